using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Kernels.Parity;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>Flash-decoding beyond the parity table (kernels/Attention/AttentionDecodeParity.cs): the CPU group bodies against their lanes, the launch plan past the window, the automatic split count, one launch per split decode.</summary>
public sealed class AttentionDecodeTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    [Theory]
    [InlineData("fp32", 1, true), InlineData("fp32", 3, true), InlineData("fp16", 1, true), InlineData("fp16", 5, true)]
    [InlineData("fp32", 1, false), InlineData("fp32", 3, false), InlineData("fp16", 1, false), InlineData("fp16", 5, false)]
    public void Cpu_group_bodies_agree_with_their_lanes(string cache, int splits, bool avx512)
    {
        // Both instruction-set paths of the bodies on this machine (the flag only picks loops; either is correct, so
        // other tests running meanwhile are unaffected).
        bool previous = AttentionCpuBody.AllowAvx512;
        AttentionCpuBody.AllowAvx512 = avx512;
        try
        {
            CompareBodyWithLanes(cache, splits);
        }
        finally
        {
            AttentionCpuBody.AllowAvx512 = previous;
        }
    }

    private void CompareBodyWithLanes(string cache, int splits)
    {
        // Mistral 7B's layer shape (GQA 4, head_dim 128) at a position that wrapped the 4096-slot cache: the vectorised
        // bodies (split kernel and combine) against the same kernels' lanes. Same fp32 operations in another summation
        // order and a vectorised exp within a few ulp: 1e-6 absolute on outputs of size ~0.1.
        var shape = new AttentionShape(32, 8, 128, 512, 512);
        int position = 1300;
        bool fp16 = cache == "fp16";
        float[] q = ParityData.Random(shape.QueryRowLength, 21, 3f);
        float[] kv = ParityData.Random((int)shape.CacheElements, 22);
        float[] results(Accelerator accelerator)
        {
            using var qBuffer = accelerator.Upload<float>(q);
            using var output = accelerator.Allocate<float>(shape.QueryRowLength);
            using var scratch = AttentionScratch.Create(accelerator, shape);
            var choice = MistralKernels.DecodeKernelChoice.CpuShaped;
            if (fp16)
            {
                using var kCache = accelerator.Upload<Half>(kv.Select(x => (Half)x).ToArray());
                using var vCache = accelerator.Upload<Half>(kv.Select(x => (Half)(0.5f * x)).ToArray());
                MistralKernels.AttentionDecodeWithSplits(accelerator, qBuffer, kCache, vCache, output, shape, position, scratch, splits, null, choice);
            }
            else
            {
                using var kCache = accelerator.Upload<float>(kv);
                using var vCache = accelerator.Upload<float>(kv.Select(x => 0.5f * x).ToArray());
                MistralKernels.AttentionDecodeWithSplits(accelerator, qBuffer, kCache, vCache, output, shape, position, scratch, splits, null, choice);
            }
            return output.ToArray();
        }
        Assert.True(AttentionCpuBody.IsAccelerated, "this machine has no AVX2/FMA: the group bodies would fall back to the lanes");
        float[] body = results(backends.Get("cpu")), lanes = results(backends.Get("cpu-lanes"));
        ParityAssert.Close(ParityData.Widen(lanes), body, 1e-6, 1e-5, $"{cache}, {splits} splits");
    }

    [Theory, InlineData("cpu"), InlineData("cpu-lanes")]
    public void Decode_work_stops_growing_at_the_window_on_cpu(string run) => CheckFlat(run);

    [RequiresOpenCLTheory, InlineData("opencl")]
    public void Decode_work_stops_growing_at_the_window_on_opencl(string run) => CheckFlat(run);

    /// <summary>
    /// Mistral 7B v0.1's layer (window 4096, a 4096-slot rotating cache): the launch of a decode step (kernel, keys,
    /// splits, split size, grid) at any position past the window is the launch at position 4095, so a token at 32767 or
    /// at 2^20 costs what one at 4095 does; below the window it grows with the position.
    /// </summary>
    private void CheckFlat(string run)
    {
        var accelerator = backends.Get(run);
        var shape = new AttentionShape(32, 8, 128, 4096, 4096);
        var full = MistralKernels.PlanDecode(accelerator, shape, 4095);
        Assert.Equal(4096, full.Keys);
        foreach (int position in new[] { 4096, 4097, 5000, 8191, 16384, 32767, 1 << 20 })
            Assert.Equal(full, MistralKernels.PlanDecode(accelerator, shape, position));
        Assert.Equal(512, MistralKernels.PlanDecode(accelerator, shape, 511).Keys);
        // Without a window the cache is the context and the keys keep growing with the position.
        var noWindow = new AttentionShape(32, 8, 128, 32768, int.MaxValue);
        Assert.Equal(16385, MistralKernels.PlanDecode(accelerator, noWindow, 16384).Keys);
    }

    [Theory]
    [InlineData("cpu", "gpu"), InlineData("cpu", "cpu"), InlineData("cpu-lanes", "gpu"), InlineData("cpu-lanes", "cpu")]
    [InlineData("ilgpu-cpu", "gpu"), InlineData("ilgpu-cpu", "cpu")]
    public void Split_decode_is_one_launch_that_leaves_its_counters_at_zero_on_cpus(string run, string kernel) => CheckOneLaunch(run, kernel);

    [RequiresOpenCLTheory, InlineData("opencl", "gpu"), InlineData("opencl", "cpu")]
    public void Split_decode_is_one_launch_that_leaves_its_counters_at_zero_on_opencl(string run, string kernel) => CheckOneLaunch(run, kernel);

    /// <summary>
    /// Five splits, merged by the group that finishes each tile last: one launch per step, the arrival counters back at
    /// zero after it, and three steps in a row over one scratch (each merge relies on the previous step's reset) match
    /// the reference.
    /// </summary>
    private void CheckOneLaunch(string run, string kernel)
    {
        var accelerator = backends.Get(run);
        var choice = kernel == "gpu" ? MistralKernels.DecodeKernelChoice.GpuShaped : MistralKernels.DecodeKernelChoice.CpuShaped;
        var c = new AttentionCase(8, 2, 32, 400, 400, 400);
        using var scratch = AttentionScratch.Create(accelerator, c.Shape);
        for (int step = 0; step < 3; step++)
        {
            var (actual, expected) = AttentionRunner.DecodeLast(accelerator, c, (q, kCache, vCache, output, _) =>
            {
                long before = accelerator.LaunchCount;
                MistralKernels.AttentionDecodeWithSplits(accelerator, q, kCache, vCache, output, c.Shape, c.Tokens - 1, scratch, 5, null, choice);
                Assert.Equal(1, accelerator.LaunchCount - before);
            });
            ParityAssert.Close(expected, actual, c.Tolerance, 1e-4, $"{run}, {kernel}-shaped, step {step}");
            Assert.All(scratch.Arrivals.ToArray(), count => Assert.Equal(0, count));
        }
    }

    [Fact]
    public void Automatic_splits_match_reference()
    {
        var accelerator = backends.Get(BackendKind.Cpu);
        var c = new AttentionCase(8, 2, 32, 200, 150, 150);
        var (actual, expected) = AttentionRunner.DecodeLast(accelerator, c, (q, kCache, vCache, output, scratch) =>
        {
            Assert.Equal(3, scratch.MaxSplits);
            MistralKernels.AttentionDecode(accelerator, q, kCache, vCache, output, c.Shape, c.Tokens - 1, scratch);
        });
        ParityAssert.Close(expected, actual, c.Tolerance, 1e-4, "automatic splits");
    }
}
