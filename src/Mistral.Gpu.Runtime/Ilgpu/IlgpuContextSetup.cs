using System.Reflection;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;
using ILGPU.IR.Values;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>What an ILGPU context needs to compile our kernels.</summary>
public static class IlgpuContextSetup
{
    /// <summary>
    /// Enables ILGPU.Algorithms (our kernels use its warp reductions) and implements the kernel language's ILGPU
    /// intrinsics: <c>KMath.Fma</c> becomes <c>fma.rn.f32</c> in PTX and <c>fma</c> in OpenCL C (ILGPU 1.5.3 leaves
    /// <see cref="MathF.FusedMultiplyAdd"/> a call to an undefined external function on both). A host creating its own
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
        return builder;
    }

    private static MethodInfo Generator(string name) => typeof(IlgpuContextSetup).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Writes <c>fma.rn.f32 target, a, b, c;</c> for a call of <c>KMath.Fma</c>.</summary>
    private static void GeneratePtxFma(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value)
    {
        var call = (MethodCall)value;
        var a = codeGenerator.LoadPrimitive(call[0]);
        var b = codeGenerator.LoadPrimitive(call[1]);
        var c = codeGenerator.LoadPrimitive(call[2]);
        var target = codeGenerator.AllocateHardware(call);
        using var command = codeGenerator.BeginCommand("fma.rn.f32");
        command.AppendArgument(target);
        command.AppendArgument(a);
        command.AppendArgument(b);
        command.AppendArgument(c);
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
