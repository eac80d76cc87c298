// IntegerDotThroughput: every lane runs eight independent chains of four-byte integer dot products,
//     d_j <- dot4(d_j, b, d_j)   (iterations times; d_j's bytes unsigned, b's signed),   sums[lane] = d_0 + ... + d_7
// so the device's integer multiply-add pipes bound the time: 8 chains x 4 multiply-adds x 2 = 64 operations per
// lane and iteration, counted as FLOPs are (a multiply-add is two), which is how a prefill's int4 x int8 GEMM is
// compared with it. Each chain multiplies its own bytes: with a constant operand dot4(a, b) is loop-invariant, and
// compilers hoisted it (.NET's JIT then timed vpaddd alone) or replaced the whole loop by its closed form (PoCL's
// LLVM) — before 2026-12-03. b's bytes stay in 0..63, so a CPU's 16-bit pair sums (at most 2 x 255 x 63 = 32130)
// never saturate and every backend's sums are the same; the chains wrap around in 32 bits on long runs, as dp4a does.
using ILGPU;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

/// <summary>The integer-dot throughput probe: int8 multiply-adds per second, the ceiling of a CPU prefill.</summary>
public static partial class IntegerDotThroughputKernels
{
    /// <summary>Operations per lane per iteration (eight four-byte dot products, a multiply-add counted as two).</summary>
    public const int OpsPerLaneIteration = 64;

    [Kernel]
    [CpuGroupBody(typeof(IntegerDotThroughputCpuBody), nameof(IntegerDotThroughputCpuBody.IntegerDotThroughput))]
    static void IntegerDotThroughput(ArrayView<int> sums, int iterations)
    {
        int lane = Grid.GlobalIndex.X;
        uint b = 0x01020304u * (uint)(lane & 15) & 0x3F3F3F3Fu;
        int d0 = lane;
        int d1 = lane + 1;
        int d2 = lane + 2;
        int d3 = lane + 3;
        int d4 = lane + 4;
        int d5 = lane + 5;
        int d6 = lane + 6;
        int d7 = lane + 7;
        for (int i = 0; i < iterations; i++)
        {
            d0 = KMath.Dot4((uint)d0, b, d0);
            d1 = KMath.Dot4((uint)d1, b, d1);
            d2 = KMath.Dot4((uint)d2, b, d2);
            d3 = KMath.Dot4((uint)d3, b, d3);
            d4 = KMath.Dot4((uint)d4, b, d4);
            d5 = KMath.Dot4((uint)d5, b, d5);
            d6 = KMath.Dot4((uint)d6, b, d6);
            d7 = KMath.Dot4((uint)d7, b, d7);
        }
        if (lane < sums.IntLength) sums[lane] = d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7;
    }
}
