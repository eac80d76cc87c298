// The CPU backend's body of FmaThroughput: sixteen lanes per 512-bit register (eight per 256-bit one),
// the same eight chains and the same fused operations per lane, so the sums are bit-identical to the
// lanes' and the probe measures the core's vector FMA pipes.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Kernels;

/// <summary>Vectorised CPU implementation of the FMA-throughput probe (see <see cref="CpuGroupBodyAttribute"/>).</summary>
internal static class FmaThroughputCpuBody
{
    /// <summary>The group body of <c>FmaThroughputKernels.FmaThroughput</c>; false (run the lanes) without FMA instructions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool FmaThroughput(CpuGroup group, View<float> sums, int iterations, float a, float b)
    {
        if (!Avx512F.IsSupported || group.GroupSize.X % 16 != 0) return false;
        int first = group.GroupId.X * group.GroupSize.X;
        var va = Vector512.Create(a);
        var vb = Vector512.Create(b);
        var step = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int lane = first; lane < first + group.GroupSize.X; lane += 16)
        {
            // The lanes' own starting values, computed the same way (lane * 0.0001f, then + 1f).
            var x0 = Vector512.Create(1f) + (Vector512.Create((float)lane) + step) * Vector512.Create(0.0001f);
            var x1 = x0 + Vector512.Create(0.125f);
            var x2 = x0 + Vector512.Create(0.25f);
            var x3 = x0 + Vector512.Create(0.375f);
            var x4 = x0 + Vector512.Create(0.5f);
            var x5 = x0 + Vector512.Create(0.625f);
            var x6 = x0 + Vector512.Create(0.75f);
            var x7 = x0 + Vector512.Create(0.875f);
            for (int i = 0; i < iterations; i++)
            {
                x0 = Avx512F.FusedMultiplyAdd(x0, va, vb);
                x1 = Avx512F.FusedMultiplyAdd(x1, va, vb);
                x2 = Avx512F.FusedMultiplyAdd(x2, va, vb);
                x3 = Avx512F.FusedMultiplyAdd(x3, va, vb);
                x4 = Avx512F.FusedMultiplyAdd(x4, va, vb);
                x5 = Avx512F.FusedMultiplyAdd(x5, va, vb);
                x6 = Avx512F.FusedMultiplyAdd(x6, va, vb);
                x7 = Avx512F.FusedMultiplyAdd(x7, va, vb);
            }
            var total = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
            for (int j = 0; j < 16 && lane + j < sums.Length; j++) sums[lane + j] = total[j];
        }
        return true;
    }
}
