using Mistral.Gpu.Kernels;
using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// The whole forward pass on the device against the CPU backend: a tiny random model of Mistral 7B's architecture (GQA 4,
/// a sliding window the prompt crosses, chunked prefill through the rotating cache), every position's logits compared.
/// </summary>
internal static class SuiteLogitsCheck
{
    private const int Seed = 7;
    private const int PromptTokens = 80;
    private const int Chunk = 16;

    /// <summary>
    /// fp16 weights, so both sides run the same fp32 arithmetic (int4 would let the CPU's int8 activations differ from a
    /// GPU's fp32 ones by design); what remains is reduction order and device exp/rsqrt through 4 layers, a few 1e-6 of
    /// the logits' range, while a wrong kernel moves logits by a large fraction of it.
    /// </summary>
    private const double RelativeToRange = 1e-3;

    /// <summary>Runs the check on <paramref name="accelerator"/>; the reference is the CPU backend (its lanes when the device is the CPU backend itself).</summary>
    public static VerificationRow Run(Accelerator accelerator)
    {
        var config = BenchSettingsDefaults.Synthetic["tiny"];
        var random = new Random(Seed);
        int[] prompt = [.. Enumerable.Range(0, PromptTokens).Select(_ => random.Next(config.VocabSize))];
        var row = new VerificationRow
        {
            Family = "model",
            Case = "synthetic tiny-model logits vs the CPU backend",
            Shape = $"dim {config.Dim}, {config.NLayers} layers, heads {config.NHeads}/{config.NKvHeads}, window {config.SlidingWindow}, {PromptTokens} tokens in chunks of {Chunk}, fp16 weights",
            Tolerance = $"{RelativeToRange:0e0}·max|logit|",
        };
        try
        {
            float[] actual = Logits(accelerator, config, prompt);
            using var reference = accelerator.Info.IsCpu ? new CpuAccelerator(useGroupBodies: false) : new CpuAccelerator();
            double[] expected = Array.ConvertAll(Logits(reference, config, prompt), v => (double)v);
            double bound = RelativeToRange * expected.Max(Math.Abs);
            var check = new ParityCheck();
            check.Close(expected, actual, bound, 0, "logits");
            return row with { Passed = check.Passed, MaxError = check.MaxError, Bound = check.Bound, Failure = check.Failure };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return row with { Passed = false, MaxError = double.PositiveInfinity, Failure = $"{e.GetType().Name}: {e.Message}" };
        }
    }

    private static float[] Logits(Accelerator accelerator, Model.Checkpoints.ModelConfig config, int[] prompt)
    {
        using var model = BenchModel.CreateSynthetic(accelerator, config, WeightEncoding.Fp16, PromptTokens, Chunk, Seed);
        return model.Runner.AllLogits(prompt, 0, Chunk);
    }
}
