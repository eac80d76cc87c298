// FmaThroughput: every lane runs eight independent chains of fused multiply-adds,
//     x_j <- fma(x_j, a, b)   (iterations times),   sums[lane] = x_0 + ... + x_7
// so the device's floating-point pipes, not memory, bound the time: 16 * iterations FLOPs per lane.
//
// Eight chains per lane hide the FMA latency (4 cycles on most CPUs and GPUs) without registers to spare;
// a = 1 - 2^-20 and a small b keep every value normal, so no denormal slow path distorts the count.
using ILGPU;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

/// <summary>The compute-throughput probe: fp32 FMA per second, for devices without a datasheet figure.</summary>
public static partial class FmaThroughputKernels
{
    /// <summary>FLOPs per lane per iteration (eight fused multiply-adds).</summary>
    public const int FlopsPerLaneIteration = 16;

    [Kernel]
    [CpuGroupBody(typeof(FmaThroughputCpuBody), nameof(FmaThroughputCpuBody.FmaThroughput))]
    static void FmaThroughput(ArrayView<float> sums, int iterations, float a, float b)
    {
        int lane = Grid.GlobalIndex.X;
        float x0 = 1f + lane * 0.0001f;
        float x1 = x0 + 0.125f;
        float x2 = x0 + 0.25f;
        float x3 = x0 + 0.375f;
        float x4 = x0 + 0.5f;
        float x5 = x0 + 0.625f;
        float x6 = x0 + 0.75f;
        float x7 = x0 + 0.875f;
        for (int i = 0; i < iterations; i++)
        {
            x0 = KMath.Fma(x0, a, b);
            x1 = KMath.Fma(x1, a, b);
            x2 = KMath.Fma(x2, a, b);
            x3 = KMath.Fma(x3, a, b);
            x4 = KMath.Fma(x4, a, b);
            x5 = KMath.Fma(x5, a, b);
            x6 = KMath.Fma(x6, a, b);
            x7 = KMath.Fma(x7, a, b);
        }
        if (lane < sums.IntLength) sums[lane] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    }
}
