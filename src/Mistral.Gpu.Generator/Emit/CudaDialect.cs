using System.Collections.Generic;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>CUDA C: NVRTC (and clang -x cuda without headers, through the prelude).</summary>
internal static class CudaDialect
{
    public static readonly Dialect Instance = new()
    {
        Name = "CUDA",
        Prelude = Dialect.ReadPrelude("cuda_prelude.h"),
        KernelPrefix = "extern \"C\" __global__",
        HelperPrefix = "static __device__ __forceinline__",
        GlobalSpace = "",
        SharedSpace = "",
        SharedDeclaration = "__shared__",
        Restrict = "__restrict__",
        LaneId = ["threadIdx.x", "threadIdx.y", "threadIdx.z"],
        GroupId = ["blockIdx.x", "blockIdx.y", "blockIdx.z"],
        GroupSize = ["blockDim.x", "blockDim.y", "blockDim.z"],
        GroupCount = ["gridDim.x", "gridDim.y", "gridDim.z"],
        Barrier = "__syncthreads()",
        DeviceFence = "__threadfence()",
        WarpScratchDeclaration = "",
        MatrixMultiply = "mgpu_mma_m16n8k16({0}, {1}, {2}, {3})",
        GlobalSuffix = "",
        SharedSuffix = "",
        Types = CTypes.With(new Dictionary<string, string>
        {
            ["long"] = "long long",
            ["ulong"] = "unsigned long long",
            ["sbyte"] = "signed char",
        }),
        LongSuffix = "ll",
        ULongSuffix = "ull",
        FloatNaN = "__int_as_float(0x7fc00000)",
        FloatInfinity = "__int_as_float(0x7f800000)",
        FloatNegativeInfinity = "__uint_as_float(0xff800000u)",
        Float4Constructor = "make_float4({0})",
        UInt4Constructor = "make_uint4({0})",
        // Casting to a 16-byte vector pointer makes one 128-bit access (ld.global.nc.v4 on restrict views).
        LoadFloat4 = "(*(const float4*)({0} + 4 * ({1})))",
        LoadUInt4 = "(*(const uint4*)({0} + 4 * ({1})))",
        StoreFloat4 = "*(float4*)({0} + 4 * ({1})) = {2}",
        StoreUInt4 = "*(uint4*)({0} + 4 * ({1})) = {2}",
        Math = new Dictionary<string, string>
        {
            ["Exp(float)"] = "expf({0})",
            ["Exp2(float)"] = "exp2f({0})",
            ["Log(float)"] = "logf({0})",
            ["Log2(float)"] = "log2f({0})",
            ["Sqrt(float)"] = "sqrtf({0})",
            ["Rsqrt(float)"] = "rsqrtf({0})",
            ["Fma(float)"] = "fmaf({0}, {1}, {2})",
            ["Max(float)"] = "fmaxf({0}, {1})",
            ["Min(float)"] = "fminf({0}, {1})",
            ["Max(int)"] = "max({0}, {1})",
            ["Min(int)"] = "min({0}, {1})",
            ["Max(uint)"] = "max({0}, {1})",
            ["Min(uint)"] = "min({0}, {1})",
            ["Abs(float)"] = "fabsf({0})",
            ["Abs(int)"] = "abs({0})",
            ["Tanh(float)"] = "tanhf({0})",
            ["Sin(float)"] = "sinf({0})",
            ["Cos(float)"] = "cosf({0})",
            ["Pow(float)"] = "powf({0}, {1})",
            ["Floor(float)"] = "floorf({0})",
            ["Round(float)"] = "rintf({0})",
            ["Dot4(uint)"] = "mgpu_dot4({0}, {1}, {2})",
            ["Dp4a(int)"] = "mgpu_dp4a({0}, {1}, {2})",
            ["Ceil(float)"] = "ceilf({0})",
            ["AsFloat(uint)"] = "__uint_as_float({0})",
            ["AsFloat(int)"] = "__int_as_float({0})",
            ["AsUInt(float)"] = "__float_as_uint({0})",
            ["AsInt(float)"] = "__float_as_int({0})",
            // The store's own conversion rounds to nearest even: nothing to do first.
            ["HalfRounded(float)"] = "({0})",
            ["PackHalves(float)"] = "mgpu_pack_halves({0}, {1})",
            ["HalfLow(uint)"] = "mgpu_half_to_float((ushort)({0}))",
            ["HalfHigh(uint)"] = "mgpu_half_to_float((ushort)(({0}) >> 16))",
        },
        FloatRemainder = "fmodf({0}, {1})",
        DoubleRemainder = "fmod({0}, {1})",
        Atomics = new Dictionary<string, string>
        {
            ["Add(int)"] = "atomicAdd({0}, {1})",
            ["Add(uint)"] = "atomicAdd({0}, {1})",
            ["Add(float)"] = "atomicAdd({0}, {1})",
            ["Max(int)"] = "atomicMax({0}, {1})",
            ["Max(uint)"] = "atomicMax({0}, {1})",
            ["Max(float)"] = "mgpu_atomic_max_f({0}, {1})",
            ["Min(int)"] = "atomicMin({0}, {1})",
            ["Exchange(int)"] = "atomicExch({0}, {1})",
            ["CompareExchange(int)"] = "atomicCAS({0}, {2}, {1})",
            ["CompareExchange(uint)"] = "atomicCAS({0}, {2}, {1})",
        },
    };
}
