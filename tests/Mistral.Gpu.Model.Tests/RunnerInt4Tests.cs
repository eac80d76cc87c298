using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime.Cpu;
using Xunit.Abstractions;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Quantized weights against fp32 on stories260k over the reference story (100 tokens): how often
/// the argmax agrees and how far the distributions drift (mean KL). The numbers go in the README.
/// </summary>
public sealed class RunnerInt4Tests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(WeightFormat.Int4, 0.8, 0.15)]
    [InlineData(WeightFormat.Fp16, 0.98, 0.001)]
    public void Quantized_weights_follow_fp32(WeightFormat precision, double minAgreement, double maxKl)
    {
        var story = RunnerStoriesTests.Cases()[0];
        int[] tokens = [.. story.PromptIds, .. story.GeneratedIds];
        using var accelerator = new CpuAccelerator();
        var log = new List<string>();
        using var reference = Load(accelerator, SharedData.Stories260k);
        using var quantized = Mistral.Gpu.Model.Runner.MistralModel.Load(accelerator, SharedData.Stories260k, new ModelLoadOptions { Precision = precision, Log = log.Add });
        using var referenceRunner = new Transformer(reference);
        using var runner = new Transformer(quantized);
        var result = TextEvaluation.Evaluate(runner, referenceRunner, tokens);
        foreach (string line in log) output.WriteLine(line);
        output.WriteLine($"{precision} vs fp32 over {result.Tokens} tokens: top-1 agreement {result.Top1Agreement:0.0000}, mean KL {result.MeanKl:0.000000} nats, " +
            $"max |Δlogit| {result.MaxAbsLogitDiff:0.0000}, perplexity {result.Perplexity:0.000} vs {result.ReferencePerplexity:0.000}");
        Assert.True(result.Top1Agreement >= minAgreement, $"top-1 agreement {result.Top1Agreement}");
        Assert.True(result.MeanKl <= maxKl, $"mean KL {result.MeanKl}");
        if (precision == WeightFormat.Int4)
            Assert.Contains(log, line => line.Contains("W2", StringComparison.Ordinal) && line.Contains("K=172", StringComparison.Ordinal));
    }
}
