using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit.Abstractions;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Kernel launches of one decode token (the forward pass and its argmax) through mistral-tiny, counted by
/// <see cref="Accelerator.LaunchCount"/> per forward step: the per-token launch overhead a GPU pays.
/// </summary>
public sealed class DecodeLaunchCountTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(WeightFormat.Fp32)]
    [InlineData(WeightFormat.Int4)]
    public void Cpu_decode_launches_per_step(WeightFormat precision)
    {
        using var accelerator = new CpuAccelerator();
        // The CPU backend keeps the products apart; its int4 quantises x once per group first (K = 256 takes that Q8 path).
        int q8 = precision == WeightFormat.Int4 ? 1 : 0;
        CheckLaunches(accelerator, precision, qkv: 3 + q8, gateUp: 2 + q8, wo: 1 + q8, down: 1 + q8, classifier: 1 + q8);
    }

    [RequiresOpenCLFact]
    public void OpenCL_decode_launches_per_step()
    {
        using var accelerator = Accelerators.Create(BackendKind.OpenCL);
        CheckLaunches(accelerator, WeightFormat.Int4, qkv: 1, gateUp: 1, wo: 1, down: 1, classifier: 1);
    }

    private void CheckLaunches(Accelerator accelerator, WeightFormat precision, int qkv, int gateUp, int wo, int down, int classifier)
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
        Assert.Equal(layers * qkv, counter.PerRole[ForwardRole.QueryKeyValue]);
        Assert.Equal(layers * gateUp, counter.PerRole[ForwardRole.GateUp]);
        Assert.Equal(layers * wo, counter.PerRole[ForwardRole.AttentionOutput]);
        Assert.Equal(layers * down, counter.PerRole[ForwardRole.Down]);
        // Norms, rope, cache write, SwiGLU and decode attention (its last split merges the others) are one launch per layer.
        foreach (var role in new[] { ForwardRole.AttentionNorm, ForwardRole.Rope, ForwardRole.KvCacheWrite, ForwardRole.FeedForwardNorm, ForwardRole.SwiGlu })
            Assert.Equal(layers, counter.PerRole[role]);
        const int attention = 1;
        Assert.Equal(layers * attention, counter.PerRole[ForwardRole.Attention]);
        // Outside the blocks: embedding, final norm, classifier, argmax.
        foreach (var role in new[] { ForwardRole.Embedding, ForwardRole.FinalNorm, ForwardRole.Argmax })
            Assert.Equal(1, counter.PerRole[role]);
        Assert.Equal(classifier, counter.PerRole[ForwardRole.Output]);
        Assert.Equal(layers * (qkv + gateUp + wo + down + 5 + attention) + 3 + classifier, total);
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
