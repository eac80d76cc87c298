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
/// so the generated bound checks and the offset ABI are exercised too. Each row also carries a
/// scalar C# reference (double where the kernel sums), which OpenCL and the CPU must both meet
/// directly: agreeing with each other is not enough, since both run the same translation.
/// </summary>
public sealed class OpenCLProofParityTests
{
    /// <summary>One row: how to run the kernel on an accelerator, how close OpenCL must come to the CPU, and the scalar reference.</summary>
    /// <param name="Tolerance">Largest |cpu - opencl| / max(1, |cpu|); 0 means bit for bit.</param>
    /// <param name="Why">Why that tolerance.</param>
    /// <param name="Run">Uploads the inputs, launches, and returns every output element widened to double.</param>
    /// <param name="ReferenceTolerance">Largest |reference - backend| / max(1, |reference|).</param>
    /// <param name="ReferenceWhy">Why that tolerance.</param>
    /// <param name="Reference">The outputs <paramref name="Run"/> must return, computed on the host from the same inputs.</param>
    private sealed record ParityCase(double Tolerance, string Why, Func<Accelerator, double[]> Run, double ReferenceTolerance, string ReferenceWhy, Func<double[]> Reference);

    private const int AddN = 1001, SiluN = 777, ReduceN = 4097, ShuffleLanes = 3 * 128, MirrorN = 1000;
    private const int MatM = 40, MatN = 23, MatK = 70, Tile = 16;
    private const int HistogramN = 5003, HistogramBins = 37, BinMaxN = 3001, BinMaxBins = 29, ClaimN = 2000, ClaimSlotCount = 301;

    private static readonly Dictionary<string, ParityCase> Cases = new()
    {
        ["ProofKernels.VectorAdd"] = new(0, "one IEEE addition per element", accelerator =>
        {
            using var a = accelerator.Upload<float>(Random(AddN + 3, 1));
            using var b = accelerator.Upload<float>(Random(AddN + 5, 2));
            using var c = accelerator.Allocate<float>(AddN + 7);
            ProofKernels.VectorAddKernel.Launch(accelerator, LaunchDims.ForElements(AddN, 64), a.Slice(3, AddN), b.Slice(5, AddN), c.Slice(7, AddN), AddN);
            return Widen(c.ToArray());
        }, 0, "the reference is the same float addition; the 7 elements before the window stay zero", () =>
        {
            float[] a = Random(AddN + 3, 1), b = Random(AddN + 5, 2);
            return [.. new double[7], .. Enumerable.Range(0, AddN).Select(i => (double)(a[3 + i] + b[5 + i]))];
        }),
        ["ProofKernels.SiluMultiply"] = new(1e-5, "exp differs by a few ulp between PoCL's libm and .NET's", accelerator =>
        {
            using var gate = accelerator.Upload<float>(Random(SiluN, 3, scale: 8));
            using var up = accelerator.Upload<float>(Random(SiluN, 4));
            using var y = accelerator.Allocate<float>(SiluN + 1);
            ProofKernels.SiluMultiplyKernel.Launch(accelerator, LaunchDims.ForElements(SiluN, 128), gate, up, y.Slice(1, SiluN), SiluN);
            return Widen(y.ToArray());
        }, 1e-5, "silu in double against float exp and division: a few ulp", () =>
        {
            float[] gate = Random(SiluN, 3, scale: 8), up = Random(SiluN, 4);
            return [0, .. Enumerable.Range(0, SiluN).Select(i => gate[i] / (1 + Math.Exp(-gate[i])) * up[i])];
        }),
        ["ProofKernels.GroupReduceSum"] = new(1e-6, "the same tree order on both, but the device compiler may contract or reorder nothing else", accelerator =>
            PartialSums(accelerator, ProofKernels.GroupReduceSumKernel.Launch), 1e-5, "256 float terms of magnitude <= 1 in tree order against a double sum", PartialSumsReference),
        ["ProofKernels.WarpReduceSum"] = new(0, "the same butterfly order on both (xor 16..1), emulated through local memory on OpenCL", accelerator =>
            PartialSums(accelerator, ProofKernels.WarpReduceSumKernel.Launch), 1e-5, "256 float terms of magnitude <= 1 by butterflies against a double sum", PartialSumsReference),
        ["ProofKernels.WarpShuffles"] = new(0, "shuffles move bits; the reductions follow the same butterfly on both", accelerator =>
        {
            using var x = accelerator.Upload<float>(Random(ShuffleLanes, 12, scale: 50));
            using var output = accelerator.Allocate<float>(ShuffleLanes * ProofKernels.ShuffleOutputsPerLane);
            ProofKernels.WarpShufflesKernel.Launch(accelerator, new LaunchDims(3, 128), x, output, ShuffleLanes);
            return Widen(output.ToArray());
        }, 0, "each collective's definition lane by lane; the float sum is the xor 16..1 butterfly every backend promises", () =>
            Widen(WarpShufflesTests.Reference(Random(ShuffleLanes, 12, scale: 50)))),
        ["ProofKernels.TiledMatMul"] = new(1e-5, "-cl-mad-enable may fuse a*b+c, one rounding fewer per step of a 70-term dot product", accelerator =>
        {
            using var a = accelerator.Upload<float>(Random(MatM * MatK, 5));
            using var b = accelerator.Upload<float>(Random(MatK * MatN, 6));
            using var c = accelerator.Allocate<float>(MatM * MatN);
            var dims = new LaunchDims(new Dim3((MatN + Tile - 1) / Tile, (MatM + Tile - 1) / Tile), new Dim3(Tile, Tile));
            ProofKernels.TiledMatMulKernel.Launch(accelerator, dims, a, b, c, MatM, MatN, MatK, Tile);
            return Widen(c.ToArray());
        }, 1e-5, "70 float products of magnitude <= 1 accumulated in float against a double dot product", () =>
        {
            float[] a = Random(MatM * MatK, 5), b = Random(MatK * MatN, 6);
            var c = new double[MatM * MatN];
            for (int r = 0; r < MatM; r++)
                for (int col = 0; col < MatN; col++)
                    for (int j = 0; j < MatK; j++) c[r * MatN + col] += (double)a[r * MatK + j] * b[j * MatN + col];
            return c;
        }),
        ["ProofKernels.HalfRoundTrip"] = new(0, "round-to-nearest-even is exact: the half bits and their widening must match (NaN payloads aside)", accelerator =>
        {
            var x = HalfInputs();
            using var dx = accelerator.Upload<float>(x);
            using var narrow = accelerator.Allocate<Half>(x.Length);
            using var back = accelerator.Allocate<float>(x.Length);
            ProofKernels.HalfRoundTripKernel.Launch(accelerator, LaunchDims.ForElements(x.Length, 64), dx, narrow, back, x.Length);
            return [.. narrow.ToArray().Select(HalfBits), .. Widen(back.ToArray())];
        }, 0, "System.Half's conversion rounds to nearest even too", () =>
        {
            var narrow = HalfInputs().Select(v => (Half)v).ToArray();
            return [.. narrow.Select(HalfBits), .. narrow.Select(h => (double)(float)h)];
        }),
        ["ProofKernels.BFloat16RoundTrip"] = new(0, "round-to-nearest-even is exact: the bfloat16 bits and their widening must match (NaN payloads aside)", accelerator =>
        {
            var x = BFloat16Inputs();
            using var dx = accelerator.Upload<float>(x);
            using var narrow = accelerator.Allocate<BFloat16>(x.Length);
            using var back = accelerator.Allocate<float>(x.Length);
            ProofKernels.BFloat16RoundTripKernel.Launch(accelerator, LaunchDims.ForElements(x.Length, 64), dx, narrow, back, x.Length);
            return [.. narrow.ToArray().Select(b => float.IsNaN((float)b) ? double.NaN : b.Bits), .. Widen(back.ToArray())];
        }, 0, "the top 16 bits after adding 0x7FFF plus the lowest kept bit: nearest, ties to even", () =>
        {
            var bits = BFloat16Inputs().Select(v => float.IsNaN(v) ? (ushort?)null : (ushort)((BitConverter.SingleToUInt32Bits(v) + 0x7FFF + ((BitConverter.SingleToUInt32Bits(v) >> 16) & 1)) >> 16)).ToArray();
            return [.. bits.Select(b => b is { } v ? v : double.NaN), .. bits.Select(b => b is { } v ? (double)BitConverter.UInt32BitsToSingle((uint)v << 16) : double.NaN)];
        }),
        ["ProofKernels.Histogram"] = new(0, "integer atomics: the counts are exact whatever the order", accelerator =>
        {
            using var values = accelerator.Upload<int>(HistogramInputs());
            using var counts = accelerator.Allocate<int>(HistogramBins);
            ProofKernels.HistogramKernel.Launch(accelerator, LaunchDims.ForElements(HistogramN, 96), values, counts, HistogramN, HistogramBins);
            return [.. counts.ToArray().Select(v => (double)v)];
        }, 0, "counting is exact", () =>
        {
            int[] values = HistogramInputs();
            return [.. Enumerable.Range(0, HistogramBins).Select(bin => (double)values.Count(v => v == bin))];
        }),
        ["ProofKernels.BinMax"] = new(0, "a maximum is exact whatever the order of the atomics", accelerator =>
        {
            var (keys, values, weights) = BinMaxInputs();
            using var dk = accelerator.Upload<int>(keys);
            using var dv = accelerator.Upload<int>(values);
            using var dw = accelerator.Upload<float>(weights);
            using var maxima = accelerator.Upload<int>(Enumerable.Repeat(int.MinValue, BinMaxBins).ToArray());
            using var peaks = accelerator.Upload<float>(Enumerable.Repeat(float.NegativeInfinity, BinMaxBins).ToArray());
            ProofKernels.BinMaxKernel.Launch(accelerator, LaunchDims.ForElements(BinMaxN, 96), dk, dv, dw, maxima, peaks, BinMaxN, BinMaxBins);
            return [.. maxima.ToArray().Select(v => (double)v), .. Widen(peaks.ToArray())];
        }, 0, "a maximum is exact; empty bins keep their fill (int.MinValue, -infinity)", () =>
        {
            var (keys, values, weights) = BinMaxInputs();
            var maxima = Enumerable.Repeat((double)int.MinValue, BinMaxBins).ToArray();
            var peaks = Enumerable.Repeat(double.NegativeInfinity, BinMaxBins).ToArray();
            for (int i = 0; i < BinMaxN; i++)
            {
                if (keys[i] < 0 || keys[i] >= BinMaxBins) continue;
                maxima[keys[i]] = Math.Max(maxima[keys[i]], values[i]);
                peaks[keys[i]] = Math.Max(peaks[keys[i]], weights[i]);
            }
            return [.. maxima, .. peaks];
        }),
        ["ProofKernels.MirrorSums"] = new(0, "one IEEE addition per element; OpenCL reads the tile through the helper's __local copy", accelerator =>
        {
            using var x = accelerator.Upload<float>(Random(MirrorN, 13));
            using var shared = accelerator.Allocate<float>(MirrorN);
            using var global = accelerator.Allocate<float>(MirrorN);
            ProofKernels.MirrorSumsKernel.Launch(accelerator, LaunchDims.ForElements(MirrorN, ProofKernels.MirrorGroupSize), x, shared, global, MirrorN);
            return [.. Widen(shared.ToArray()), .. Widen(global.ToArray())];
        }, 0, "the same float additions on the host", () =>
        {
            float[] x = Random(MirrorN, 13);
            return [
                .. Enumerable.Range(0, MirrorN).Select(i => (double)(x[i] + MirrorSumsReference.Mirrored(x, i))),
                .. Enumerable.Range(0, MirrorN).Select(i => (double)(x[i] + x[i])),
            ];
        }),
        ["ProofKernels.ClaimSlots"] = new(0, "which lane wins a slot depends on timing, so the rows compare what does not: see ClaimOutcome", accelerator =>
        {
            int[] slots = ClaimInputs();
            using var ds = accelerator.Upload<int>(slots);
            using var owners = accelerator.Upload<int>(Enumerable.Repeat(ProofKernels.Unclaimed, ClaimSlotCount).ToArray());
            using var won = accelerator.Allocate<int>(ClaimN);
            ProofKernels.ClaimSlotsKernel.Launch(accelerator, LaunchDims.ForElements(ClaimN, 96), ds, owners, won, ClaimN, ClaimSlotCount);
            return ClaimOutcome(slots, owners.ToArray(), won.ToArray());
        }, 0, "every claimed slot has exactly one winner, one of its claimants, recorded on both sides; unclaimed slots stay empty", () =>
        {
            int[] slots = ClaimInputs();
            return [
                .. Enumerable.Range(0, ClaimSlotCount).Select(s => slots.Contains(s) ? 1.0 : ProofKernels.Unclaimed),
                .. Enumerable.Range(0, ClaimSlotCount).Select(s => slots.Contains(s) ? 1.0 : 0.0),
                .. Enumerable.Repeat(1.0, ClaimN),
            ];
        }),
    };

    public static TheoryData<string> Kernels => [.. Cases.Keys.Order()];

    [Fact]
    public void EveryProofKernelInTheCatalogHasAParityRow()
    {
        var proofKernels = Mistral.Gpu.Kernels.KernelCatalog.All.Where(k => k.Name.StartsWith("ProofKernels.", StringComparison.Ordinal)).Select(k => k.Name).Order();
        Assert.Equal(proofKernels, Cases.Keys.Order());
    }

    [RequiresOpenCLTheory]
    [MemberData(nameof(Kernels))]
    public void OpenCLMatchesCpu(string kernel)
    {
        var parity = Cases[kernel];
        using var cpu = new CpuAccelerator();
        using var opencl = OpenCLAccelerator.Create();
        AssertClose(kernel, "OpenCL", "the CPU", parity.Run(cpu), parity.Run(opencl), parity.Tolerance, parity.Why);
    }

    [RequiresOpenCLTheory]
    [MemberData(nameof(Kernels))]
    public void OpenCLMatchesScalarReference(string kernel)
    {
        var parity = Cases[kernel];
        using var opencl = OpenCLAccelerator.Create();
        AssertClose(kernel, "OpenCL", "the reference", parity.Reference(), parity.Run(opencl), parity.ReferenceTolerance, parity.ReferenceWhy);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CpuMatchesScalarReference(string kernel)
    {
        var parity = Cases[kernel];
        using var cpu = new CpuAccelerator();
        AssertClose(kernel, "the CPU", "the reference", parity.Reference(), parity.Run(cpu), parity.ReferenceTolerance, parity.ReferenceWhy);
    }

    private static void AssertClose(string kernel, string backend, string against, double[] expected, double[] actual, double tolerance, string why)
    {
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
        Assert.True(worst <= tolerance,
            $"{kernel}: element {worstAt} is {actual[Math.Max(0, worstAt)]} on {backend}, {expected[Math.Max(0, worstAt)]} from {against} (relative error {worst:g3} > {tolerance:g3}: {why}).");
    }

    /// <summary>
    /// What a claim table shows whoever won: per slot, 1 when its owner is one of its claimants and
    /// that lane says it won (-1 when nobody claimed it, -2 when the owner is wrong); per slot, how
    /// many of its claimants say they won; per lane, 1 when its flag agrees with the owner table.
    /// </summary>
    private static double[] ClaimOutcome(int[] slots, int[] owners, int[] won)
    {
        var ownerOk = new double[ClaimSlotCount];
        var winners = new double[ClaimSlotCount];
        var consistent = new double[slots.Length];
        for (int s = 0; s < ClaimSlotCount; s++)
        {
            int owner = owners[s];
            ownerOk[s] = owner == ProofKernels.Unclaimed ? ProofKernels.Unclaimed
                : owner >= 0 && owner < slots.Length && slots[owner] == s && won[owner] == 1 ? 1 : -2;
        }
        for (int i = 0; i < slots.Length; i++)
        {
            bool valid = slots[i] >= 0 && slots[i] < ClaimSlotCount;
            if (valid && won[i] == 1) winners[slots[i]]++;
            consistent[i] = won[i] == (valid && owners[slots[i]] == i ? 1 : 0) ? 1 : 0;
        }
        return [.. ownerOk, .. winners, .. consistent];
    }

    private static double[] PartialSumsReference()
    {
        const int group = ProofKernels.ReduceGroupSize;
        float[] x = Random(ReduceN + 11, 10);
        var sums = new double[(ReduceN + group - 1) / group];
        for (int i = 0; i < ReduceN; i++) sums[i / group] += x[11 + i];
        return sums;
    }

    private static float[] HalfInputs() => [.. Specials(), .. Random(500, 7, scale: 70000)];

    private static float[] BFloat16Inputs() => [.. Specials(), .. Random(500, 8, scale: 1e30f)];

    private static double HalfBits(Half h) => Half.IsNaN(h) ? double.NaN : BitConverter.HalfToUInt16Bits(h);

    private static int[] HistogramInputs()
    {
        var random = new Random(9);
        return [.. Enumerable.Range(0, HistogramN).Select(_ => random.Next(-3, HistogramBins + 3))];
    }

    private static (int[] Keys, int[] Values, float[] Weights) BinMaxInputs()
    {
        var random = new Random(13);
        int[] keys = [.. Enumerable.Range(0, BinMaxN).Select(_ => random.Next(-2, BinMaxBins + 2))];
        // Bin 5 gets no element, so an empty bin's fill is checked too.
        for (int i = 0; i < keys.Length; i++) if (keys[i] == 5) keys[i] = -1;
        int[] values = [.. Enumerable.Range(0, BinMaxN).Select(_ => random.Next(-1_000_000, 1_000_000))];
        return (keys, values, Random(BinMaxN, 14, scale: 100));
    }

    private static int[] ClaimInputs()
    {
        // Many lanes per slot (contention), some slots nobody claims (multiples of 7), some claims out of range.
        var random = new Random(15);
        return [.. Enumerable.Range(0, ClaimN).Select(_ =>
        {
            int slot = random.Next(-2, ClaimSlotCount + 2);
            return slot >= 0 && slot % 7 == 0 ? slot + 1 : slot;
        })];
    }

    // NaN payloads are not part of the contract: .NET keeps the sign of float.NaN (0xFE00 as a half),
    // PoCL's vstore_half_rte gives 0xFFFF and PTX cvt.rn gives 0x7FFF; all are NaN, so any NaN matches.

    private static double[] PartialSums(Accelerator accelerator, Action<Accelerator, LaunchDims, BufferView<float>, BufferView<float>, int, AcceleratorStream?> launch)
    {
        const int group = ProofKernels.ReduceGroupSize;
        int groups = (ReduceN + group - 1) / group;
        using var x = accelerator.Upload<float>(Random(ReduceN + 11, 10));
        using var sums = accelerator.Allocate<float>(groups);
        launch(accelerator, new LaunchDims(groups, group), x.Slice(11, ReduceN), sums, ReduceN, null);
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
