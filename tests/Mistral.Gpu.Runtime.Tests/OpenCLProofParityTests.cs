using Mistral.Gpu.Kernels;
using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// Every proof kernel on OpenCL against the CPU backend, on the same random inputs, in the manner
/// of llama.cpp's test-backend-ops: one row per kernel, each with its tolerance and the reason for
/// it. Sizes are ragged (not multiples of the group or tile) and buffers are windows at an offset,
/// so the generated bound checks and the offset ABI are exercised too.
/// </summary>
public sealed class OpenCLProofParityTests
{
    /// <summary>One row: how to run the kernel on an accelerator, and how close OpenCL must come to the CPU.</summary>
    /// <param name="Tolerance">Largest |cpu - opencl| / max(1, |cpu|); 0 means bit for bit.</param>
    /// <param name="Why">Why that tolerance.</param>
    /// <param name="Run">Uploads the inputs, launches, and returns every output element widened to double.</param>
    private sealed record ParityCase(double Tolerance, string Why, Func<Accelerator, double[]> Run);

    private static readonly Dictionary<string, ParityCase> Cases = new()
    {
        ["ProofKernels.VectorAdd"] = new(0, "one IEEE addition per element", accelerator =>
        {
            const int n = 1001;
            using var a = accelerator.Upload<float>(Random(n + 3, 1));
            using var b = accelerator.Upload<float>(Random(n + 5, 2));
            using var c = accelerator.Allocate<float>(n + 7);
            ProofKernels.VectorAddKernel.Launch(accelerator, LaunchDims.ForElements(n, 64), a.Slice(3, n), b.Slice(5, n), c.Slice(7, n), n);
            return Widen(c.ToArray());
        }),
        ["ProofKernels.SiluMultiply"] = new(1e-5, "exp differs by a few ulp between PoCL's libm and .NET's", accelerator =>
        {
            const int n = 777;
            using var gate = accelerator.Upload<float>(Random(n, 3, scale: 8));
            using var up = accelerator.Upload<float>(Random(n, 4));
            using var y = accelerator.Allocate<float>(n + 1);
            ProofKernels.SiluMultiplyKernel.Launch(accelerator, LaunchDims.ForElements(n, 128), gate, up, y.Slice(1, n), n);
            return Widen(y.ToArray());
        }),
        ["ProofKernels.GroupReduceSum"] = new(1e-6, "the same tree order on both, but the device compiler may contract or reorder nothing else", accelerator =>
            PartialSums(accelerator, ProofKernels.GroupReduceSumKernel.Launch)),
        ["ProofKernels.WarpReduceSum"] = new(0, "the same butterfly order on both (xor 16..1), emulated through local memory on OpenCL", accelerator =>
            PartialSums(accelerator, ProofKernels.WarpReduceSumKernel.Launch)),
        ["ProofKernels.WarpShuffles"] = new(0, "shuffles move bits; the reductions follow the same butterfly on both", accelerator =>
        {
            const int lanes = 3 * 128;
            using var x = accelerator.Upload<float>(Random(lanes, 12, scale: 50));
            using var output = accelerator.Allocate<float>(lanes * ProofKernels.ShuffleOutputsPerLane);
            ProofKernels.WarpShufflesKernel.Launch(accelerator, new LaunchDims(3, 128), x, output, lanes);
            return Widen(output.ToArray());
        }),
        ["ProofKernels.TiledMatMul"] = new(1e-5, "-cl-mad-enable may fuse a*b+c, one rounding fewer per step of a 70-term dot product", accelerator =>
        {
            const int m = 40, n = 23, k = 70, tile = 16;
            using var a = accelerator.Upload<float>(Random(m * k, 5));
            using var b = accelerator.Upload<float>(Random(k * n, 6));
            using var c = accelerator.Allocate<float>(m * n);
            var dims = new LaunchDims(new Dim3((n + tile - 1) / tile, (m + tile - 1) / tile), new Dim3(tile, tile));
            ProofKernels.TiledMatMulKernel.Launch(accelerator, dims, a, b, c, m, n, k, tile);
            return Widen(c.ToArray());
        }),
        ["ProofKernels.HalfRoundTrip"] = new(0, "round-to-nearest-even is exact: the half bits and their widening must match (NaN payloads aside)", accelerator =>
        {
            var x = Specials().Concat(Random(500, 7, scale: 70000)).ToArray();
            using var dx = accelerator.Upload<float>(x);
            using var narrow = accelerator.Allocate<Half>(x.Length);
            using var back = accelerator.Allocate<float>(x.Length);
            ProofKernels.HalfRoundTripKernel.Launch(accelerator, LaunchDims.ForElements(x.Length, 64), dx, narrow, back, x.Length);
            return [.. narrow.ToArray().Select(h => Half.IsNaN(h) ? double.NaN : BitConverter.HalfToUInt16Bits(h)), .. Widen(back.ToArray())];
        }),
        ["ProofKernels.BFloat16RoundTrip"] = new(0, "round-to-nearest-even is exact: the bfloat16 bits and their widening must match (NaN payloads aside)", accelerator =>
        {
            var x = Specials().Concat(Random(500, 8, scale: 1e30f)).ToArray();
            using var dx = accelerator.Upload<float>(x);
            using var narrow = accelerator.Allocate<BFloat16>(x.Length);
            using var back = accelerator.Allocate<float>(x.Length);
            ProofKernels.BFloat16RoundTripKernel.Launch(accelerator, LaunchDims.ForElements(x.Length, 64), dx, narrow, back, x.Length);
            return [.. narrow.ToArray().Select(b => float.IsNaN((float)b) ? double.NaN : b.Bits), .. Widen(back.ToArray())];
        }),
        ["ProofKernels.Histogram"] = new(0, "integer atomics: the counts are exact whatever the order", accelerator =>
        {
            const int n = 5003, bins = 37;
            var random = new Random(9);
            using var values = accelerator.Upload<int>(Enumerable.Range(0, n).Select(_ => random.Next(-3, bins + 3)).ToArray());
            using var counts = accelerator.Allocate<int>(bins);
            ProofKernels.HistogramKernel.Launch(accelerator, LaunchDims.ForElements(n, 96), values, counts, n, bins);
            return [.. counts.ToArray().Select(v => (double)v)];
        }),
    };

    public static TheoryData<string> Kernels => [.. Cases.Keys.Order()];

    [Fact]
    public void EveryProofKernelInTheCatalogHasAParityRow()
    {
        var proofKernels = KernelCatalog.All.Where(k => k.Name.StartsWith("ProofKernels.", StringComparison.Ordinal)).Select(k => k.Name).Order();
        Assert.Equal(proofKernels, Cases.Keys.Order());
    }

    [RequiresOpenCLTheory]
    [MemberData(nameof(Kernels))]
    public void OpenCLMatchesCpu(string kernel)
    {
        var parity = Cases[kernel];
        using var cpu = new CpuAccelerator();
        using var opencl = OpenCLAccelerator.Create();
        double[] expected = parity.Run(cpu), actual = parity.Run(opencl);
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i].Equals(actual[i])) continue;
            double error = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            if (double.IsNaN(error)) error = double.PositiveInfinity;
            if (error > worst) (worst, worstAt) = (error, i);
        }
        Assert.True(worst <= parity.Tolerance,
            $"{kernel}: element {worstAt} is {actual[Math.Max(0, worstAt)]} on OpenCL, {expected[Math.Max(0, worstAt)]} on the CPU (relative error {worst:g3} > {parity.Tolerance:g3}: {parity.Why}).");
    }

    // NaN payloads are not part of the contract: .NET keeps the sign of float.NaN (0xFE00 as a half),
    // PoCL's vstore_half_rte gives 0xFFFF and PTX cvt.rn gives 0x7FFF; all are NaN, so any NaN matches.

    private static double[] PartialSums(Accelerator accelerator, Action<Accelerator, LaunchDims, BufferView<float>, BufferView<float>, int, AcceleratorStream?> launch)
    {
        const int n = 4097, group = ProofKernels.ReduceGroupSize;
        int groups = (n + group - 1) / group;
        using var x = accelerator.Upload<float>(Random(n + 11, 10));
        using var sums = accelerator.Allocate<float>(groups);
        launch(accelerator, new LaunchDims(groups, group), x.Slice(11, n), sums, n, null);
        return Widen(sums.ToArray());
    }

    /// <summary>Values where rounding to 16 bits is easy to get wrong: ties, overflow to infinity, subnormals, signed zero, NaN.</summary>
    private static IEnumerable<float> Specials() =>
    [
        0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, -65520f, 6.1e-5f, 5.96e-8f, 2.98e-8f, 1e-10f,
        1.00048828125f, 1.00146484375f, float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000), BitConverter.UInt32BitsToSingle(0x7F7FFFFF),
    ];

    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale)];
    }

    private static double[] Widen(float[] values) => [.. values.Select(v => (double)v)];
}
