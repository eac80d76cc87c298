using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime.Cpu;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// A head size without an attention kernel variant runs zero-padded to a larger one; the logits must
/// not notice (Wq is rescaled for the score scale, the RoPE base for the pair angles).
/// </summary>
public sealed class RunnerHeadPaddingTests
{
    [Fact]
    public void Stories260k_padded_from_8_to_16_matches_run_c()
    {
        var story = RunnerStoriesTests.Cases()[0];
        using var reference = SafetensorsFile.Open(Path.Combine(SharedData.Stories260k, "reference-logits.safetensors"));
        int rows = (int)reference.GetShape("logits")[0];
        int[] tokens = [.. story.PromptIds, .. story.GeneratedIds];
        using var accelerator = new CpuAccelerator();
        var log = new List<string>();
        using var model = MistralModel.Load(accelerator, SharedData.Stories260k, new ModelLoadOptions { DeviceHeadDim = 16, Log = log.Add });
        Assert.Equal(16, model.Attention.HeadDim);
        Assert.Contains(log, line => line.Contains("head_dim 8 runs as 16", StringComparison.Ordinal));
        using var runner = new Transformer(model);
        AssertClose(runner.AllLogits(tokens.AsSpan(0, rows)), reference.ReadFloat32("logits"), StoriesTolerance, "padded stories260k");
    }

    [Fact]
    public void Sliding_window_case_padded_from_16_to_32_matches_the_reference()
    {
        string dir = SharedData.MistralTinyCase("case_a_hd16_w8");
        using var reference = SafetensorsFile.Open(ReferenceFile(dir, WeightsVariant.Native));
        int[] tokens = reference.ReadInt32("tokens");
        using var accelerator = new CpuAccelerator();
        using var model = MistralModel.Load(accelerator, dir, new ModelLoadOptions { DeviceHeadDim = 32, Layout = CheckpointLayout.HuggingFace, KvCache = KvCacheFormat.Fp32 });
        using var runner = new Transformer(model, maxChunk: 5);
        AssertClose(runner.AllLogits(tokens, 0, 5), reference.ReadFloat32("prefill_logits"), MistralTinyTolerance, "padded case_a");
    }
}
