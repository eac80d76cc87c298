using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// Every warp collective against its definition, lane by lane, on the CPU backend and on OpenCL.
/// Shuffles move bits, so they are exact; the reductions are compared with the butterfly
/// (xor 16, 8, 4, 2, 1) computed here, which every backend promises to reproduce bit for bit.
/// </summary>
public sealed class WarpShufflesTests
{
    private const int Lanes = 4 * 128;

    private static float[] Input()
    {
        var random = new Random(11);
        return Enumerable.Range(0, Lanes).Select(_ => (float)Math.Round(random.NextDouble() * 20 - 10, 3)).ToArray();
    }

    private static float Butterfly(float[] x, int warp, Func<float, float, float> op)
    {
        var v = x.Skip(warp * 32).Take(32).ToArray();
        for (int m = 16; m > 0; m >>= 1) v = Enumerable.Range(0, 32).Select(l => op(v[l], v[l ^ m])).ToArray();
        return v[0];
    }

    /// <summary>What the kernel must write for <paramref name="x"/> (whole warps of 32 lanes, one lane per element).</summary>
    internal static float[] Reference(float[] x)
    {
        var expected = new float[x.Length * ProofKernels.ShuffleOutputsPerLane];
        for (int i = 0; i < x.Length; i++)
        {
            int warp = i / 32, lane = i % 32, b = warp * 32;
            int Bits(int j) => (int)(x[j] * 1000f);
            var o = expected.AsSpan(i * ProofKernels.ShuffleOutputsPerLane);
            o[0] = x[b + (lane ^ 5)];
            o[1] = lane + 3 < 32 ? x[i + 3] : x[i];
            o[2] = lane - 7 >= 0 ? x[i - 7] : x[i];
            o[3] = x[b + 13];
            o[4] = Bits(b + (lane ^ 17));
            o[5] = Butterfly(x, warp, (p, q) => p + q);
            o[6] = x.Skip(b).Take(32).Max();
            o[7] = x.Skip(b).Take(32).Min();
            o[8] = Enumerable.Range(b, 32).Sum(Bits);
            o[9] = Enumerable.Range(b, 32).Max(Bits);
        }
        return expected;
    }

    private static float[] Run(Accelerator accelerator, float[] x, int groupSize)
    {
        using var dx = accelerator.Upload<float>(x);
        using var output = accelerator.Allocate<float>(Lanes * ProofKernels.ShuffleOutputsPerLane);
        ProofKernels.WarpShufflesKernel.Launch(accelerator, new LaunchDims(Lanes / groupSize, groupSize), dx, output, Lanes);
        accelerator.Synchronize();
        var result = new float[output.Length];
        output.CopyTo(result);
        return result;
    }

    [Theory]
    [InlineData(32)]
    [InlineData(128)]
    public void Cpu_collectives_match_their_definitions(int groupSize)
    {
        using var cpu = new CpuAccelerator();
        float[] x = Input();
        Assert.Equal(Reference(x), Run(cpu, x, groupSize));
    }

    [RequiresOpenCLTheory]
    [InlineData(32)]
    [InlineData(128)]
    public void OpenCL_collectives_match_their_definitions(int groupSize)
    {
        using var device = OpenCLAccelerator.Create();
        float[] x = Input();
        Assert.Equal(Reference(x), Run(device, x, groupSize));
    }

    /// <summary>
    /// PoCL once gave wrong sums now and then when groups ran concurrently (out-of-line prelude helpers
    /// querying work-item ids); many launches over many groups catch an intermittent race.
    /// </summary>
    [RequiresOpenCLFact]
    public void OpenCL_collectives_are_repeatable_across_concurrent_groups()
    {
        using var device = OpenCLAccelerator.Create();
        const int n = 256 * 400;
        var random = new Random(5);
        float[] x = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int groups = n / ProofKernels.ReduceGroupSize;
        using var dx = device.Upload<float>(x);
        using var sums = device.Allocate<float>(groups);
        using var cpu = new CpuAccelerator();
        using var cx = cpu.Upload<float>(x);
        using var cs = cpu.Allocate<float>(groups);
        ProofKernels.WarpReduceSumKernel.Launch(cpu, new LaunchDims(groups, ProofKernels.ReduceGroupSize), cx, cs, n);
        var expected = new float[groups];
        cs.CopyTo(expected);
        var actual = new float[groups];
        for (int launch = 0; launch < 40; launch++)
        {
            ProofKernels.WarpReduceSumKernel.Launch(device, new LaunchDims(groups, ProofKernels.ReduceGroupSize), dx, sums, n);
            sums.CopyTo(actual);
            Assert.True(expected.SequenceEqual(actual), $"launch {launch}: the warp sums differ from the CPU backend's");
        }
    }
}
