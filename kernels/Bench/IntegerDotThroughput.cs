// IntegerDotThroughput: every lane runs eight independent chains of four-byte integer dot products,
//     d_j <- dot4(a_j, b, d_j)   (iterations times; a_j's bytes unsigned, b's signed),   sums[lane] = d_0 + ... + d_7
// so the device's integer multiply-add pipes bound the time: 8 chains x 4 multiply-adds x 2 = 64 operations per
// lane and iteration, counted as FLOPs are (a multiply-add is two), which is how a prefill's int4 x int8 GEMM is
// compared with it. The bytes stay below 16 (a) and 64 in magnitude (b), as the GEMM's nibbles and activations do,
// so no 16-bit intermediate of a CPU's byte dot products saturates.
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
            d0 = KMath.Dot4(0x01010101u, b, d0);
            d1 = KMath.Dot4(0x02020202u, b, d1);
            d2 = KMath.Dot4(0x03030303u, b, d2);
            d3 = KMath.Dot4(0x04040404u, b, d3);
            d4 = KMath.Dot4(0x05050505u, b, d4);
            d5 = KMath.Dot4(0x06060606u, b, d5);
            d6 = KMath.Dot4(0x07070707u, b, d6);
            d7 = KMath.Dot4(0x08080808u, b, d7);
        }
        if (lane < sums.IntLength) sums[lane] = d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7;
    }
}
