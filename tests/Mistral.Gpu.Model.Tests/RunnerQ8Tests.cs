using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Tests.Shared;
using Xunit.Abstractions;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// What the CPU backend's int8 activations (the Q8 int4 path) cost at model level: mistral-tiny case_b (dim 256,
/// FFN 512, so every int4 product takes the Q8 path on the CPU) over its prompt and greedy continuation, int4 on
/// the CPU (Q8) and int4 on OpenCL (fp32 activations) each against fp32, and against each other. The int8
/// rounding must add little to what int4 weights already cost.
/// </summary>
public sealed class RunnerQ8Tests(ITestOutputHelper output)
{
    [RequiresOpenCLFact]
    public void Int8_activations_add_little_to_the_int4_error()
    {
        string dir = SharedData.MistralTinyCase("case_b_hd128_w16");
        using var referenceFile = SafetensorsFile.Open(ReferenceFile(dir, WeightsVariant.Native));
        int[] tokens = [.. referenceFile.ReadInt32("tokens"), .. referenceFile.ReadInt32("decode_tokens")];
        using var cpu = new CpuAccelerator();
        using var opencl = OpenCL();
        using var fp32 = Load(cpu, dir);
        using var q8 = Load(cpu, dir, precision: WeightFormat.Int4);
        using var fp32Activations = Load(opencl, dir, precision: WeightFormat.Int4);
        using var fp32Runner = new Transformer(fp32, maxChunk: 16);
        using var q8Runner = new Transformer(q8, maxChunk: 16);
        using var fp32ActivationsRunner = new Transformer(fp32Activations, maxChunk: 16);

        var q8VsFp32 = TextEvaluation.Evaluate(q8Runner, fp32Runner, tokens);
        var int4VsFp32 = TextEvaluation.Evaluate(fp32ActivationsRunner, fp32Runner, tokens);
        var q8VsInt4 = TextEvaluation.Evaluate(q8Runner, fp32ActivationsRunner, tokens);
        output.WriteLine($"int4, int8 activations (CPU) vs fp32: top-1 {q8VsFp32.Top1Agreement:0.000}, mean KL {q8VsFp32.MeanKl:0.000000}, max |Δlogit| {q8VsFp32.MaxAbsLogitDiff:0.0000}");
        output.WriteLine($"int4, fp32 activations (OpenCL) vs fp32: top-1 {int4VsFp32.Top1Agreement:0.000}, mean KL {int4VsFp32.MeanKl:0.000000}, max |Δlogit| {int4VsFp32.MaxAbsLogitDiff:0.0000}");
        output.WriteLine($"int8 vs fp32 activations, both int4: top-1 {q8VsInt4.Top1Agreement:0.000}, mean KL {q8VsInt4.MeanKl:0.000000}, max |Δlogit| {q8VsInt4.MaxAbsLogitDiff:0.0000}");

        // The activations' rounding is a small fraction of the weights': the two int4 runs sit closer to each
        // other than either sits to fp32, and Q8 costs at most half again int4's own KL.
        Assert.True(q8VsInt4.MeanKl < int4VsFp32.MeanKl, $"int8 activations moved the distributions by {q8VsInt4.MeanKl}, int4 weights by {int4VsFp32.MeanKl}");
        Assert.True(q8VsFp32.MeanKl <= 1.5 * int4VsFp32.MeanKl!.Value + 1e-4, $"KL {q8VsFp32.MeanKl} with int8 activations against {int4VsFp32.MeanKl} without");
        Assert.True(q8VsFp32.Top1Agreement >= int4VsFp32.Top1Agreement - 0.1, $"top-1 {q8VsFp32.Top1Agreement} with int8 activations against {int4VsFp32.Top1Agreement} without");
    }
}
