using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit.Abstractions;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Kernel launches of one decode token (the forward pass and its argmax) through mistral-tiny, counted by
/// <see cref="Accelerator.LaunchCount"/> per forward step: the per-token launch overhead a GPU pays. The GPU-shaped
/// pass (what CUDA and OpenCL GPUs run) is counted on PoCL and ILGPU's CPU accelerator with the GPU kernel shapes
/// forced, and must stay within 8 launches per layer plus 4; its logits must still match the reference.
/// </summary>
public sealed class DecodeLaunchCountTests(ITestOutputHelper output)
{
    /// <summary>Launches per layer a GPU decode step may take (issue #15: one per op that cannot share a launch).</summary>
    private const int GpuLaunchesPerLayer = 8;

    /// <summary>Embedding, final norm, classifier, argmax.</summary>
    private const int OutsideLayers = 4;

    [Theory]
    [InlineData(WeightFormat.Fp32)]
    [InlineData(WeightFormat.Int4)]
    public void Cpu_decode_launches_per_step(WeightFormat precision)
    {
        using var accelerator = new CpuAccelerator();
        // The CPU backend keeps the products apart; its int4 quantises x once per group first (K = 256 takes that Q8 path).
        int q8 = precision == WeightFormat.Int4 ? 1 : 0;
        var perRole = CheckLaunches(accelerator, precision);
        AssertLayerRoles(perRole, qkv: 3 + q8, gateUpSwiGlu: 2 + q8 + 1, wo: 1 + q8, down: 1 + q8);
        Assert.Equal(1 + q8, perRole[ForwardRole.Output]);
    }

    [RequiresOpenCLFact]
    public void OpenCL_gpu_shaped_decode_is_within_8_launches_per_layer() => CheckGpuShaped(BackendKind.OpenCL, compareLogits: true);

    /// <summary>ILGPU's CPU accelerator steps every lane on a thread of its own, so a forward pass takes minutes there: the
    /// count only (its kernels' numerics are the parity table's ilgpu-cpu rows).</summary>
    [Fact]
    public void Ilgpu_cpu_gpu_shaped_decode_is_within_8_launches_per_layer() => CheckGpuShaped(BackendKind.IlgpuCpu, compareLogits: false);

    private void CheckGpuShaped(BackendKind backend, bool compareLogits)
    {
        using var accelerator = Accelerators.Create(backend);
        using var cpuShaped = Accelerators.Create(backend);
        LaunchShapes.UseGpuShapes(accelerator);
        var perRole = CheckLaunches(accelerator, WeightFormat.Int4);
        // Norm, q/k/v, rope + cache write, attention (its splits merged in the same launch), wo, norm, gate/up with the
        // SwiGLU epilogue, down.
        AssertLayerRoles(perRole, qkv: 1, gateUpSwiGlu: 1, wo: 1, down: 1);
        Assert.Equal(1, perRole[ForwardRole.Output]);
        int layers = perRole[ForwardRole.AttentionNorm];
        Assert.True(perRole.Values.Sum() <= GpuLaunchesPerLayer * layers + OutsideLayers, $"{perRole.Values.Sum()} launches for {layers} layers");
        if (!compareLogits) return;

        // The GPU-shaped pass computes what the same backend's CPU-shaped kernels do (fp32 activations against the same
        // int4 weights, other summation orders): prefill and decode logits, and the greedy token.
        string caseDir = SharedData.MistralTinyCase("case_b_hd128_w16");
        using var model = Load(accelerator, caseDir, precision: WeightFormat.Int4);
        using var expected = Load(cpuShaped, caseDir, precision: WeightFormat.Int4);
        using var runner = new Transformer(model);
        using var reference = new Transformer(expected);
        int[] prompt = [1, 2, 3, 4, 5];
        float[] actual = new float[model.Config.VocabSize], wanted = new float[model.Config.VocabSize];
        Transformer.CopyToHost(runner.Prefill(prompt), actual);
        Transformer.CopyToHost(reference.Prefill(prompt), wanted);
        AssertClose(actual, wanted, 1e-3f, "prefill logits, GPU-shaped against CPU-shaped");
        int token = runner.Argmax(runner.Decode(7, prompt.Length));
        Assert.Equal(reference.Argmax(reference.Decode(7, prompt.Length)), token);
        Transformer.CopyToHost(runner.Decode(token, prompt.Length + 1), actual);
        Transformer.CopyToHost(reference.Decode(token, prompt.Length + 1), wanted);
        AssertClose(actual, wanted, 1e-3f, "decode logits, GPU-shaped against CPU-shaped");
    }

    /// <summary>The launches per role of one decode token at position 3 (after a 3-token prefill); their sum is the accelerator's count.</summary>
    private Dictionary<ForwardRole, int> CheckLaunches(Accelerator accelerator, WeightFormat precision)
    {
        using var model = Load(accelerator, SharedData.MistralTinyCase("case_b_hd128_w16"), precision: precision);
        using var runner = new Transformer(model);
        runner.Prefill([1, 2, 3]);
        var counter = new LaunchCounter(accelerator);
        runner.Observer = counter;
        long before = accelerator.LaunchCount;
        runner.Argmax(runner.Decode(4, 3));
        long total = accelerator.LaunchCount - before;
        int layers = model.Config.NLayers;
        foreach (var (role, launches) in counter.PerRole) output.WriteLine($"{accelerator.Info.Backend} {precision} {role}: {launches} over {layers} layers");
        output.WriteLine($"{accelerator.Info.Backend} {precision}: {total} launches for one decode token, {layers} layers");
        Assert.Equal(total, counter.PerRole.Values.Sum());
        Assert.Equal(layers, (int)counter.PerRole[ForwardRole.AttentionNorm]);
        // Outside the blocks: embedding, final norm, argmax (the classifier is checked by the caller).
        foreach (var role in new[] { ForwardRole.Embedding, ForwardRole.FinalNorm, ForwardRole.Argmax })
            Assert.Equal(1, counter.PerRole[role]);
        return counter.PerRole.ToDictionary(p => p.Key, p => (int)p.Value);
    }

    /// <summary>Per-layer launches of each role (the dictionary holds totals over the layers).</summary>
    private static void AssertLayerRoles(Dictionary<ForwardRole, int> perRole, int qkv, int gateUpSwiGlu, int wo, int down)
    {
        int layers = perRole[ForwardRole.AttentionNorm];
        Assert.Equal(layers * qkv, perRole[ForwardRole.QueryKeyValue]);
        Assert.Equal(layers * gateUpSwiGlu, perRole[ForwardRole.GateUpSwiGlu]);
        Assert.Equal(layers * wo, perRole[ForwardRole.AttentionOutput]);
        Assert.Equal(layers * down, perRole[ForwardRole.Down]);
        // Norms, the decode token's rope + cache write, and attention (its last split merges the others) are one launch
        // per layer; the prefill's separate rope and cache write do not run for a decode token.
        foreach (var role in new[] { ForwardRole.FeedForwardNorm, ForwardRole.RopeKvCacheWrite, ForwardRole.Attention })
            Assert.Equal(layers, perRole[role]);
        Assert.False(perRole.ContainsKey(ForwardRole.Rope));
        Assert.False(perRole.ContainsKey(ForwardRole.KvCacheWrite));
    }

    /// <summary>Launches made between each step's Starting and Queued, summed per role.</summary>
    private sealed class LaunchCounter(Accelerator accelerator) : IForwardObserver
    {
        private long start;

        public Dictionary<ForwardRole, long> PerRole { get; } = [];

        public void Starting(ForwardStep step) => start = accelerator.LaunchCount;

        public void Queued(ForwardStep step) => PerRole[step.Role] = PerRole.GetValueOrDefault(step.Role) + accelerator.LaunchCount - start;
    }
}
