using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// Every proof kernel on the CPU backend against a scalar C# reference, over sizes that are not
/// multiples of the group size. CPU float math is the reference's own, so sums are compared with a
/// tolerance only where the kernel adds in a different order (trees, tiles).
/// </summary>
public sealed class ProofKernelCpuTests : IDisposable
{
    private readonly CpuAccelerator accelerator = new();

    public static TheoryData<int> Sizes => new() { 1, 33, 1000, 4097 };

    public void Dispose() => accelerator.Dispose();

    /// <summary>n values in [-1, 1) from <paramref name="seed"/> (shared with the ILGPU accelerator's tests).</summary>
    internal static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void VectorAdd_matches_reference(int n) => CheckVectorAdd(accelerator, n);

    /// <summary>VectorAdd on <paramref name="accelerator"/> against the element-wise sum (every backend's reference).</summary>
    internal static void CheckVectorAdd(Accelerator accelerator, int n)
    {
        float[] a = Random(n, 1), b = Random(n, 2);
        using var da = accelerator.Upload<float>(a);
        using var db = accelerator.Upload<float>(b);
        using var dc = accelerator.Allocate<float>(n);
        ProofKernels.VectorAddKernel.Launch(accelerator, LaunchDims.ForElements(n, 128), da, db, dc, n);
        var c = new float[n];
        dc.CopyTo(c);
        for (int i = 0; i < n; i++) Assert.Equal(a[i] + b[i], c[i]);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GroupReduceSum_matches_reference(int n) => CheckPartialSums(n, ProofKernels.GroupReduceSumKernel.Launch);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void WarpReduceSum_matches_reference(int n) => CheckPartialSums(n, ProofKernels.WarpReduceSumKernel.Launch);

    private void CheckPartialSums(int n, Action<Accelerator, LaunchDims, BufferView<float>, BufferView<float>, int, AcceleratorStream?> launch)
    {
        const int group = ProofKernels.ReduceGroupSize;
        float[] x = Random(n, 3);
        int groups = (n + group - 1) / group;
        using var dx = accelerator.Upload<float>(x);
        using var sums = accelerator.Allocate<float>(groups);
        launch(accelerator, new LaunchDims(groups, group), dx, sums, n, null);
        var result = new float[groups];
        sums.CopyTo(result);
        for (int g = 0; g < groups; g++)
        {
            double expected = 0;
            for (int i = g * group; i < Math.Min(n, (g + 1) * group); i++) expected += x[i];
            // 256 terms of magnitude <= 1 summed in float in tree order: well under 1e-4 absolute.
            Assert.True(Math.Abs(expected - result[g]) < 1e-4, $"group {g}: expected {expected}, got {result[g]}");
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(17, 33, 5)]
    [InlineData(40, 23, 70)]
    public void TiledMatMul_matches_reference(int m, int n, int k)
    {
        const int tile = 16;
        float[] a = Random(m * k, 4), b = Random(k * n, 5);
        using var da = accelerator.Upload<float>(a);
        using var db = accelerator.Upload<float>(b);
        using var dc = accelerator.Allocate<float>(m * n);
        var dims = new LaunchDims(new Dim3((n + tile - 1) / tile, (m + tile - 1) / tile), new Dim3(tile, tile));
        ProofKernels.TiledMatMulKernel.Launch(accelerator, dims, da, db, dc, m, n, k, tile);
        var c = new float[m * n];
        dc.CopyTo(c);
        for (int r = 0; r < m; r++)
        for (int col = 0; col < n; col++)
        {
            double expected = 0;
            for (int j = 0; j < k; j++) expected += (double)a[r * k + j] * b[j * n + col];
            // k <= 70 products of magnitude <= 1 accumulated in float.
            Assert.True(Math.Abs(expected - c[r * n + col]) < 1e-4, $"C[{r},{col}]: expected {expected}, got {c[r * n + col]}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void HalfRoundTrip_rounds_like_System_Half(int n)
    {
        float[] x = Random(n, 6).Select((v, i) => v * MathF.Pow(2, i % 40 - 20)).ToArray();
        using var dx = accelerator.Upload<float>(x);
        using var narrow = accelerator.Allocate<Half>(n);
        using var back = accelerator.Allocate<float>(n);
        ProofKernels.HalfRoundTripKernel.Launch(accelerator, LaunchDims.ForElements(n, 64), dx, narrow, back, n);
        var h = new Half[n];
        var f = new float[n];
        narrow.CopyTo(h);
        back.CopyTo(f);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal((Half)x[i], h[i]);
            Assert.Equal((float)(Half)x[i], f[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void BFloat16RoundTrip_rounds_to_nearest_even(int n)
    {
        float[] x = Random(n, 7);
        using var dx = accelerator.Upload<float>(x);
        using var narrow = accelerator.Allocate<BFloat16>(n);
        using var back = accelerator.Allocate<float>(n);
        ProofKernels.BFloat16RoundTripKernel.Launch(accelerator, LaunchDims.ForElements(n, 64), dx, narrow, back, n);
        var b = new BFloat16[n];
        var f = new float[n];
        narrow.CopyTo(b);
        back.CopyTo(f);
        for (int i = 0; i < n; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(x[i]);
            ushort expected = (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
            Assert.Equal(expected, b[i].Bits);
            Assert.Equal(BitConverter.UInt32BitsToSingle((uint)expected << 16), f[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Histogram_counts_every_value_once(int n)
    {
        const int bins = 10;
        var random = new Random(8);
        int[] values = Enumerable.Range(0, n).Select(_ => random.Next(-2, bins + 2)).ToArray();
        using var dv = accelerator.Upload<int>(values);
        using var counts = accelerator.Allocate<int>(bins);
        ProofKernels.HistogramKernel.Launch(accelerator, LaunchDims.ForElements(n, 32), dv, counts, n, bins);
        var result = new int[bins];
        counts.CopyTo(result);
        for (int bin = 0; bin < bins; bin++) Assert.Equal(values.Count(v => v == bin), result[bin]);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SiluMultiply_matches_reference(int n)
    {
        float[] gate = Random(n, 9), up = Random(n, 10);
        using var dg = accelerator.Upload<float>(gate);
        using var du = accelerator.Upload<float>(up);
        using var dy = accelerator.Allocate<float>(n);
        ProofKernels.SiluMultiplyKernel.Launch(accelerator, LaunchDims.ForElements(n, 128), dg, du, dy, n);
        var y = new float[n];
        dy.CopyTo(y);
        for (int i = 0; i < n; i++) Assert.Equal(gate[i] / (1f + MathF.Exp(-gate[i])) * up[i], y[i]);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MirrorSums_read_group_and_global_memory_through_one_helper(int n)
    {
        float[] x = Random(n, 13);
        using var dx = accelerator.Upload<float>(x);
        using var shared = accelerator.Allocate<float>(n);
        using var global = accelerator.Allocate<float>(n);
        ProofKernels.MirrorSumsKernel.Launch(accelerator, LaunchDims.ForElements(n, ProofKernels.MirrorGroupSize), dx, shared, global, n);
        float[] fromShared = shared.ToArray(), fromGlobal = global.ToArray();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(x[i] + MirrorSumsReference.Mirrored(x, i), fromShared[i]);
            Assert.Equal(x[i] + x[i], fromGlobal[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void BinMax_keeps_the_largest_value_of_each_bin(int n)
    {
        const int bins = 7;
        var random = new Random(11);
        int[] keys = Enumerable.Range(0, n).Select(_ => random.Next(-1, bins + 1)).ToArray();
        int[] values = Enumerable.Range(0, n).Select(_ => random.Next(-500, 500)).ToArray();
        float[] weights = Random(n, 12);
        using var dk = accelerator.Upload<int>(keys);
        using var dv = accelerator.Upload<int>(values);
        using var dw = accelerator.Upload<float>(weights);
        using var maxima = accelerator.Upload<int>(Enumerable.Repeat(int.MinValue, bins).ToArray());
        using var peaks = accelerator.Upload<float>(Enumerable.Repeat(float.NegativeInfinity, bins).ToArray());
        ProofKernels.BinMaxKernel.Launch(accelerator, LaunchDims.ForElements(n, 32), dk, dv, dw, maxima, peaks, n, bins);
        int[] gotMaxima = maxima.ToArray();
        float[] gotPeaks = peaks.ToArray();
        for (int bin = 0; bin < bins; bin++)
        {
            var members = Enumerable.Range(0, n).Where(i => keys[i] == bin).ToList();
            Assert.Equal(members.Count == 0 ? int.MinValue : members.Max(i => values[i]), gotMaxima[bin]);
            Assert.Equal(members.Count == 0 ? float.NegativeInfinity : members.Max(i => weights[i]), gotPeaks[bin]);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ClaimSlots_gives_each_slot_exactly_one_winner(int n)
    {
        const int slotCount = 13;
        var random = new Random(13);
        int[] slots = Enumerable.Range(0, n).Select(_ => random.Next(-1, slotCount + 1)).ToArray();
        using var ds = accelerator.Upload<int>(slots);
        using var owners = accelerator.Upload<int>(Enumerable.Repeat(ProofKernels.Unclaimed, slotCount).ToArray());
        using var won = accelerator.Allocate<int>(n);
        ProofKernels.ClaimSlotsKernel.Launch(accelerator, LaunchDims.ForElements(n, 32), ds, owners, won, n, slotCount);
        int[] owner = owners.ToArray(), flags = won.ToArray();
        for (int s = 0; s < slotCount; s++)
        {
            var claimants = Enumerable.Range(0, n).Where(i => slots[i] == s).ToList();
            if (claimants.Count == 0)
            {
                Assert.Equal(ProofKernels.Unclaimed, owner[s]);
                continue;
            }
            Assert.Contains(owner[s], claimants);
            Assert.Equal([owner[s]], claimants.Where(i => flags[i] == 1));
        }
        for (int i = 0; i < n; i++)
            if (slots[i] < 0 || slots[i] >= slotCount) Assert.Equal(0, flags[i]);
    }
}
