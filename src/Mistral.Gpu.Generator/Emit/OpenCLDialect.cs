using System.Collections.Generic;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>OpenCL C 1.2 (any ICD, PoCL on CPUs included).</summary>
internal static class OpenCLDialect
{
    public static readonly Dialect Instance = new()
    {
        Name = "OpenCL",
        Prelude = Dialect.ReadPrelude("opencl_prelude.h"),
        KernelPrefix = "__kernel",
        HelperPrefix = "MGPU_INLINE",
        GlobalSpace = "__global",
        SharedSpace = "__local",
        SharedDeclaration = "__local",
        Restrict = "restrict",
        LaneId = ["get_local_id(0)", "get_local_id(1)", "get_local_id(2)"],
        GroupId = ["get_group_id(0)", "get_group_id(1)", "get_group_id(2)"],
        GroupSize = ["get_local_size(0)", "get_local_size(1)", "get_local_size(2)"],
        GroupCount = ["get_num_groups(0)", "get_num_groups(1)", "get_num_groups(2)"],
        Barrier = "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)",
        DeviceFence = "mem_fence(CLK_GLOBAL_MEM_FENCE)",
        // 1024 = the largest group any backend allows: one exchange word per lane.
        WarpScratchDeclaration = "__local uint mgpu_xchg[1024];",
        WarpScratch = "mgpu_xchg",
        WarpPublish =
        [
            "barrier(CLK_LOCAL_MEM_FENCE);",
            "mgpu_xchg[mgpu_linear_lane()] = {0};",
            "barrier(CLK_LOCAL_MEM_FENCE);",
        ],
        WarpBits = new Dictionary<string, string> { ["f"] = "as_uint({0})", ["i"] = "(uint)({0})", ["u"] = "{0}" },
        MatrixMultiply = "mgpu_mma_m16n8k16(mgpu_xchg, {0}, {1}, {2}, {3})",
        GlobalSuffix = "_global",
        SharedSuffix = "_local",
        Types = CTypes.With(new Dictionary<string, string>
        {
            ["long"] = "long",
            ["ulong"] = "ulong",
            ["sbyte"] = "char",
        }),
        LongSuffix = "L",
        ULongSuffix = "UL",
        FloatNaN = "NAN",
        FloatInfinity = "INFINITY",
        FloatNegativeInfinity = "(-INFINITY)",
        Float4Constructor = "(float4)({0})",
        UInt4Constructor = "(uint4)({0})",
        LoadFloat4 = "vload4({1}, {0})",
        LoadUInt4 = "vload4({1}, {0})",
        StoreFloat4 = "vstore4({2}, {1}, {0})",
        StoreUInt4 = "vstore4({2}, {1}, {0})",
        Math = new Dictionary<string, string>
        {
            ["Exp(float)"] = "exp({0})",
            ["Exp2(float)"] = "exp2({0})",
            ["Log(float)"] = "log({0})",
            ["Log2(float)"] = "log2({0})",
            ["Sqrt(float)"] = "sqrt({0})",
            ["Rsqrt(float)"] = "rsqrt({0})",
            ["Fma(float)"] = "fma({0}, {1}, {2})",
            ["Max(float)"] = "fmax({0}, {1})",
            ["Min(float)"] = "fmin({0}, {1})",
            ["Max(int)"] = "max({0}, {1})",
            ["Min(int)"] = "min({0}, {1})",
            ["Max(uint)"] = "max({0}, {1})",
            ["Min(uint)"] = "min({0}, {1})",
            ["Abs(float)"] = "fabs({0})",
            // OpenCL's integer abs returns the unsigned type.
            ["Abs(int)"] = "(int)abs({0})",
            ["Tanh(float)"] = "tanh({0})",
            ["Sin(float)"] = "sin({0})",
            ["Cos(float)"] = "cos({0})",
            ["Pow(float)"] = "pow({0}, {1})",
            ["Floor(float)"] = "floor({0})",
            ["Round(float)"] = "rint({0})",
            ["Dot4(uint)"] = "mgpu_dot4({0}, {1}, {2})",
            ["Dp4a(int)"] = "mgpu_dp4a({0}, {1}, {2})",
            ["Ceil(float)"] = "ceil({0})",
            ["AsFloat(uint)"] = "as_float({0})",
            ["AsFloat(int)"] = "as_float({0})",
            ["AsUInt(float)"] = "as_uint({0})",
            ["AsInt(float)"] = "as_int({0})",
            // The store's own conversion rounds to nearest even: nothing to do first.
            ["HalfRounded(float)"] = "({0})",
            ["PackHalves(float)"] = "mgpu_pack_halves({0}, {1})",
            ["HalfLow(uint)"] = "mgpu_half_to_float((ushort)({0}))",
            ["HalfHigh(uint)"] = "mgpu_half_to_float((ushort)(({0}) >> 16))",
        },
        FloatRemainder = "fmod({0}, {1})",
        DoubleRemainder = "fmod({0}, {1})",
        Atomics = new Dictionary<string, string>
        {
            ["Add(int)"] = "atomic_add({0}, {1})",
            ["Add(uint)"] = "atomic_add({0}, {1})",
            ["Add(float)"] = "mgpu_atomic_add_f{s}({0}, {1})",
            ["Max(int)"] = "atomic_max({0}, {1})",
            ["Max(uint)"] = "atomic_max({0}, {1})",
            ["Max(float)"] = "mgpu_atomic_max_f{s}({0}, {1})",
            ["Min(int)"] = "atomic_min({0}, {1})",
            ["Exchange(int)"] = "atomic_xchg({0}, {1})",
            ["CompareExchange(int)"] = "atomic_cmpxchg({0}, {2}, {1})",
            ["CompareExchange(uint)"] = "atomic_cmpxchg({0}, {2}, {1})",
        },
    };
}
