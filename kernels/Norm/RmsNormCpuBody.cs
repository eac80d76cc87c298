// The CPU backend's body of RmsNormKernels.RmsNormF32: one group is one row, so the row's sum of squares is a loop of
// two independent vector FMA chains (16 floats each with AVX-512, else 8) instead of 32 lanes stepped in lock-step
// around a warp reduction and a barrier; then the same scale, rsqrt(mean + eps), and y = h·scale·w as the lanes.
// Exactness: the lanes' operations in another summation order (vector partials, then across them): the results
// differ by float rounding only. The residual written back is the same single fp32 add per element.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Kernels;

/// <summary>The vectorised CPU body of the fp32 RMSNorm kernel (see <see cref="CpuGroupBodyAttribute"/>).</summary>
internal static unsafe class RmsNormCpuBody
{
    /// <summary>The group body of <c>RmsNormKernels.RmsNormF32</c>.</summary>
    /// <returns>False where AVX2 and FMA are missing, so the lanes run instead.</returns>
    // Fully optimised from the first call: a decode step calls it twice per layer, and tier-0 code of the generic
    // row loop (its lane-width members not inlined) ran ten times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool RmsNormF32(CpuGroup group, View<float> x, ReadOnlyView<float> delta, ReadOnlyView<float> weight, View<float> output,
        int dim, float eps, int fuseResidual, int vectorWidth)
    {
        if (!Avx2.IsSupported || !Fma.IsSupported) return false;
        long start = (long)group.GroupId.X * dim;
        float* h = Address((ReadOnlySpan<float>)x.AsSpan()) + start;
        float* d = fuseResidual == 1 ? Address(delta.AsSpan()) + start : null;
        float* w = Address(weight.AsSpan());
        float* y = Address((ReadOnlySpan<float>)output.AsSpan()) + start;
        if (Avx512F.IsSupported) Row<Lanes512, Vector512<float>>(h, d, w, y, dim, eps);
        else Row<Lanes256, Vector256<float>>(h, d, w, y, dim, eps);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TLanes, TVector>(float* h, float* d, float* w, float* y, int dim, float eps)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int width = TLanes.Count;
        var s0 = TLanes.Zero;
        var s1 = TLanes.Zero;
        int i = 0;
        for (; i + 2 * width <= dim; i += 2 * width)
        {
            var a = TLanes.Load(h + i);
            var b = TLanes.Load(h + i + width);
            if (d != null)
            {
                a = TLanes.Add(a, TLanes.Load(d + i));
                b = TLanes.Add(b, TLanes.Load(d + i + width));
                TLanes.Store(a, h + i);
                TLanes.Store(b, h + i + width);
            }
            s0 = TLanes.MultiplyAdd(a, a, s0);
            s1 = TLanes.MultiplyAdd(b, b, s1);
        }
        float sum = TLanes.Sum(TLanes.Add(s0, s1));
        for (; i < dim; i++)
        {
            if (d != null) h[i] += d[i];
            sum += h[i] * h[i];
        }

        float scale = KMath.Rsqrt(sum / dim + eps);
        var scaleVector = TLanes.Broadcast(scale);
        i = 0;
        for (; i + width <= dim; i += width)
            TLanes.Store(TLanes.Multiply(TLanes.Multiply(TLanes.Load(h + i), scaleVector), TLanes.Load(w + i)), y + i);
        for (; i < dim; i++) y[i] = h[i] * scale * w[i];
    }

    // Views on the CPU backend wrap native memory, which the GC never moves.
    private static float* Address(ReadOnlySpan<float> span) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
}
