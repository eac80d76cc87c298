using System.Reflection;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;
using ILGPU.IR.Values;
using ILGPU.Runtime.Cuda;
using Mistral.Gpu.Language;
using Registers = ILGPU.Backends.RegisterAllocator<ILGPU.Backends.PTX.PTXRegisterKind>;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>What an ILGPU context needs to compile our kernels.</summary>
public static class IlgpuContextSetup
{
    /// <summary>
    /// Enables ILGPU.Algorithms (our kernels use its warp reductions) and implements the kernel language's ILGPU
    /// intrinsics: <c>KMath.Fma</c> becomes <c>fma.rn.f32</c> in PTX and <c>fma</c> in OpenCL C (ILGPU 1.5.3 leaves
    /// <see cref="MathF.FusedMultiplyAdd"/> a call to an undefined external function on both); <c>Mma.M16N8K16</c> becomes
    /// <c>mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32</c> for sm_80 and later, and its warp-shuffle form
    /// (<c>Mma.M16N8K16Shuffled</c>) on older GPUs and OpenCL; <c>KMath.Dot4</c> / <c>KMath.Dp4a</c> become
    /// <c>dp4a.u32.s32</c> / <c>dp4a.s32.s32</c> from sm_61, their byte products elsewhere. A host creating its own
    /// context for our kernels calls this on its builder; without it ILGPU reports the intrinsic as not implemented.
    /// </summary>
    /// <param name="builder">The context builder.</param>
    /// <returns>The builder.</returns>
    public static Context.Builder EnableMistralKernels(this Context.Builder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.EnableAlgorithms();
        var intrinsics = builder.GetIntrinsicManager();
        var fma = typeof(KMath).GetMethod(nameof(KMath.Fma))!;
        intrinsics.RegisterMethod(fma, new PTXIntrinsic(Generator(nameof(GeneratePtxFma)), IntrinsicImplementationMode.GenerateCode));
        intrinsics.RegisterMethod(fma, new CLIntrinsic(Generator(nameof(GenerateOpenCLFma)), IntrinsicImplementationMode.GenerateCode));
        var mma = typeof(Mma).GetMethod(nameof(Mma.M16N8K16))!;
        var shuffled = typeof(Mma).GetMethod(nameof(Mma.M16N8K16Shuffled))!;
        intrinsics.RegisterMethod(mma, new PTXIntrinsic(Generator(nameof(GeneratePtxMma)), IntrinsicImplementationMode.GenerateCode, CudaArchitecture.SM_80));
        intrinsics.RegisterMethod(mma, new PTXIntrinsic(shuffled, IntrinsicImplementationMode.Redirect, null, CudaArchitecture.SM_80));
        intrinsics.RegisterMethod(mma, new CLIntrinsic(shuffled, IntrinsicImplementationMode.Redirect));
        var pack = typeof(KMath).GetMethod(nameof(KMath.PackHalves))!;
        var packRounded = typeof(KMath).GetMethod(nameof(KMath.PackHalvesRounded))!;
        intrinsics.RegisterMethod(pack, new PTXIntrinsic(Generator(nameof(GeneratePtxPackHalves)), IntrinsicImplementationMode.GenerateCode, CudaArchitecture.SM_80));
        intrinsics.RegisterMethod(pack, new PTXIntrinsic(packRounded, IntrinsicImplementationMode.Redirect, null, CudaArchitecture.SM_80));
        intrinsics.RegisterMethod(pack, new CLIntrinsic(packRounded, IntrinsicImplementationMode.Redirect));
        RegisterByteDot(intrinsics, nameof(KMath.Dot4), nameof(KMath.Dot4Bytes), nameof(GeneratePtxDot4));
        RegisterByteDot(intrinsics, nameof(KMath.Dp4a), nameof(KMath.Dp4aBytes), nameof(GeneratePtxDp4a));
        return builder;
    }

    /// <summary>
    /// A four-byte dot product: its PTX instruction from sm_61 (the first with <c>dp4a</c>), the portable byte products
    /// (<paramref name="portable"/>) on older GPUs and in OpenCL C.
    /// </summary>
    private static void RegisterByteDot(IntrinsicImplementationManager intrinsics, string name, string portable, string generator)
    {
        var method = typeof(KMath).GetMethod(name)!;
        var bytes = typeof(KMath).GetMethod(portable)!;
        intrinsics.RegisterMethod(method, new PTXIntrinsic(Generator(generator), IntrinsicImplementationMode.GenerateCode, CudaArchitecture.SM_61));
        intrinsics.RegisterMethod(method, new PTXIntrinsic(bytes, IntrinsicImplementationMode.Redirect, null, CudaArchitecture.SM_61));
        intrinsics.RegisterMethod(method, new CLIntrinsic(bytes, IntrinsicImplementationMode.Redirect));
    }

    private static MethodInfo Generator(string name) => typeof(IlgpuContextSetup).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Writes <c>fma.rn.f32 target, a, b, c;</c> for a call of <c>KMath.Fma</c>.</summary>
    private static void GeneratePtxFma(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value) =>
        EmitScalar(codeGenerator, (MethodCall)value, "fma.rn.f32", 0, 1, 2);

    /// <summary>
    /// Writes <c>mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {d}, {a}, {b0, b1}, {c};</c> for a call of
    /// <c>Mma.M16N8K16</c>: the fragments' structure fields are the instruction's vector operands, in field order.
    /// </summary>
    private static void GeneratePtxMma(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value)
    {
        var call = (MethodCall)value;
        var a = Fields(codeGenerator, call[0]);
        var b = new[] { InRegister(codeGenerator, codeGenerator.LoadPrimitive(call[1])), InRegister(codeGenerator, codeGenerator.LoadPrimitive(call[2])) };
        var c = Fields(codeGenerator, call[3]);
        var d = (Registers.CompoundRegister)codeGenerator.Allocate(call);
        var targets = d.SliceAs<Registers.PrimitiveRegister>(0, d.NumChildren);
        using var command = codeGenerator.BeginCommand("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32");
        command.AppendVectorArgument(targets);
        command.AppendVectorArgument(a);
        command.AppendVectorArgument(b);
        command.AppendVectorArgument(c);
    }

    /// <summary>Writes <c>cvt.rn.f16x2.f32 target, high, low;</c> for a call of <c>KMath.PackHalves</c> (the first source goes to the upper half).</summary>
    private static void GeneratePtxPackHalves(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value) =>
        EmitScalar(codeGenerator, (MethodCall)value, "cvt.rn.f16x2.f32", 1, 0);

    /// <summary>Writes <c>dp4a.u32.s32 target, a, b, c;</c> for a call of <c>KMath.Dot4</c>.</summary>
    private static void GeneratePtxDot4(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value) =>
        EmitScalar(codeGenerator, (MethodCall)value, "dp4a.u32.s32", 0, 1, 2);

    /// <summary>Writes <c>dp4a.s32.s32 target, a, b, c;</c> for a call of <c>KMath.Dp4a</c>.</summary>
    private static void GeneratePtxDp4a(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value) =>
        EmitScalar(codeGenerator, (MethodCall)value, "dp4a.s32.s32", 0, 1, 2);

    /// <summary>Writes <c>opcode target, sources...;</c>: the call's arguments in <paramref name="order"/>, into one fresh register.</summary>
    private static void EmitScalar(PTXCodeGenerator codeGenerator, MethodCall call, string opcode, params int[] order)
    {
        var sources = Array.ConvertAll(order, i => codeGenerator.LoadPrimitive(call[i]));
        var target = codeGenerator.AllocateHardware(call);
        using var command = codeGenerator.BeginCommand(opcode);
        command.AppendArgument(target);
        foreach (var source in sources) command.AppendArgument(source);
    }

    /// <summary>The four fields of a <c>UInt4</c> / <c>Float4</c> operand, each in a hardware register (mma takes no immediates).</summary>
    private static Registers.PrimitiveRegister[] Fields(PTXCodeGenerator codeGenerator, Value operand)
    {
        var compound = (Registers.CompoundRegister)codeGenerator.Load(operand);
        var fields = compound.SliceAs<Registers.PrimitiveRegister>(0, compound.NumChildren);
        for (int i = 0; i < fields.Length; i++) fields[i] = InRegister(codeGenerator, fields[i]);
        return fields;
    }

    /// <summary>A constant moved into a fresh register of its kind; a hardware register as it is.</summary>
    private static Registers.PrimitiveRegister InRegister(PTXCodeGenerator codeGenerator, Registers.PrimitiveRegister register)
    {
        if (register is not Registers.ConstantRegister constant) return register;
        var target = codeGenerator.AllocateRegister(constant.Description);
        using var move = codeGenerator.BeginMove();
        move.AppendRegisterMovementSuffix(constant.BasicValueType);
        move.AppendArgument(target);
        move.AppendArgument(constant);
        return target;
    }

    /// <summary>Writes <c>target = fma(a, b, c);</c> for a call of <c>KMath.Fma</c>.</summary>
    private static void GenerateOpenCLFma(CLBackend backend, CLCodeGenerator codeGenerator, Value value)
    {
        var call = (MethodCall)value;
        var target = codeGenerator.Allocate(call);
        using var statement = codeGenerator.BeginStatement(target);
        statement.AppendCommand("fma");
        statement.BeginArguments();
        foreach (var argument in call) statement.AppendArgument(codeGenerator.Load(argument));
        statement.EndArguments();
    }
}
