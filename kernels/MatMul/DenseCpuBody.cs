// The CPU backend's bodies of DenseMatMul.F32Rows and F16Rows: the lanes' sixteen partial sums per row
// are sixteen vector lanes here, added in the same order with the same separate multiply and add, and
// summed across in the same order, so the results are bit-identical to the lanes' (tests compare them).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Kernels;

/// <summary>Vectorised CPU implementations of the dense (fp32 / fp16 weight) products (see <see cref="CpuGroupBodyAttribute"/>).</summary>
internal static unsafe class DenseCpuBody
{
    private static readonly float TwoTo112 = BitConverter.UInt32BitsToSingle(0x77800000u);

    /// <summary>The group body of <c>DenseMatMul.F32Rows</c>; false (run the lanes) without 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F32Rows(CpuGroup group, ReadOnlyView<float> w, ReadOnlyView<float> x, View<float> y, int n, int k, int tokens, int tokenTile)
    {
        if (!Vector512.IsHardwareAccelerated) return false;
        float* weights = (float*)Address(w.AsSpan());
        float* input = (float*)Address(x.AsSpan());
        int full = k / 16 * 16;
        int first = group.GroupId.X * group.GroupSize.X, end = Math.Min(n, first + group.GroupSize.X);
        int t0 = group.GroupId.Y * tokenTile, tEnd = Math.Min(tokens, t0 + tokenTile);
        for (int row = first; row < end; row += 4)
        {
            // Four rows at a time: independent accumulator chains, one load of x for all four.
            int rows = Math.Min(4, end - row);
            float* w0 = weights + (long)row * k;
            float* w1 = rows > 1 ? w0 + k : w0;
            float* w2 = rows > 2 ? w0 + 2L * k : w0;
            float* w3 = rows > 3 ? w0 + 3L * k : w0;
            for (int t = t0; t < tEnd; t++)
            {
                float* xt = input + (long)t * k;
                var p0 = Vector512<float>.Zero;
                var p1 = Vector512<float>.Zero;
                var p2 = Vector512<float>.Zero;
                var p3 = Vector512<float>.Zero;
                for (int kb = 0; kb < full; kb += 16)
                {
                    var xs = Vector512.Load(xt + kb);
                    p0 += Vector512.Load(w0 + kb) * xs;
                    p1 += Vector512.Load(w1 + kb) * xs;
                    p2 += Vector512.Load(w2 + kb) * xs;
                    p3 += Vector512.Load(w3 + kb) * xs;
                }
                Span<Vector512<float>> parts = [p0, p1, p2, p3];
                for (int i = 0; i < rows; i++)
                {
                    float* wr = w0 + i * (long)k;
                    float total = SumInOrder(parts[i]);
                    for (int kk = full; kk < k; kk++) total += wr[kk] * xt[kk];
                    y[t * n + row + i] = total;
                }
            }
        }
        return true;
    }

    /// <summary>The group body of <c>DenseMatMul.F16Rows</c>; false (run the lanes) without AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F16Rows(CpuGroup group, ReadOnlyView<uint> w, ReadOnlyView<float> x, View<float> y, int n, int k, int tokens, int tokenTile)
    {
        if (!Avx512F.IsSupported) return false;
        uint* words = (uint*)Address(w.AsSpan());
        float* input = (float*)Address(x.AsSpan());
        int stride = (k + 7) / 8 * 4, full = k / 16 * 16;
        int first = group.GroupId.X * group.GroupSize.X, end = Math.Min(n, first + group.GroupSize.X);
        int t0 = group.GroupId.Y * tokenTile, tEnd = Math.Min(tokens, t0 + tokenTile);
        // Partials 0..7 take the even halves of a 16-k block, 8..15 the odd ones, as the lanes do.
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
        for (int row = first; row < end; row += 4)
        {
            // Four rows at a time: four independent accumulator chains (each row's own order is the lanes'),
            // and one load and shuffle of x for all four.
            int rows = Math.Min(4, end - row);
            uint* w0 = words + (long)row * stride;
            uint* w1 = rows > 1 ? w0 + stride : w0;
            uint* w2 = rows > 2 ? w0 + 2L * stride : w0;
            uint* w3 = rows > 3 ? w0 + 3L * stride : w0;
            for (int t = t0; t < tEnd; t++)
            {
                float* xt = input + (long)t * k;
                var p0 = Vector512<float>.Zero;
                var p1 = Vector512<float>.Zero;
                var p2 = Vector512<float>.Zero;
                var p3 = Vector512<float>.Zero;
                for (int kb = 0; kb < full; kb += 16)
                {
                    var xs = Avx512F.PermuteVar16x32(Vector512.Load(xt + kb), evens);
                    p0 += Widen(w0 + kb / 2) * xs;
                    p1 += Widen(w1 + kb / 2) * xs;
                    p2 += Widen(w2 + kb / 2) * xs;
                    p3 += Widen(w3 + kb / 2) * xs;
                }
                Span<Vector512<float>> parts = [p0, p1, p2, p3];
                for (int i = 0; i < rows; i++)
                {
                    uint* wr = w0 + i * (long)stride;
                    float total = SumInOrder(parts[i]);
                    for (int kk = full; kk < k; kk++)
                    {
                        uint pair = wr[kk / 2];
                        uint bits = (kk & 1) == 0 ? pair & 0xFFFFu : pair >> 16;
                        total += HalfToSingle(bits) * xt[kk];
                    }
                    y[t * n + row + i] = total;
                }
            }
        }
        return true;
    }

    /// <summary>Eight words of halves: the low halves in lanes 0..7, the high ones in 8..15, widened exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(uint* words)
    {
        var pairs = Vector256.Load(words);
        return HalfToSingle(Vector512.Create(pairs & Vector256.Create(0xFFFFu), pairs >>> 16));
    }

    // The lanes' SumSixteen: partial 0 first, then 1, 2, ... 15.
    private static float SumInOrder(Vector512<float> part)
    {
        float total = 0f;
        for (int j = 0; j < 16; j++) total += part[j];
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> HalfToSingle(Vector512<uint> h) =>
        (((h & Vector512.Create(0x8000u)) << 16) | ((h & Vector512.Create(0x7FFFu)) << 13)).AsSingle() * Vector512.Create(TwoTo112);

    private static float HalfToSingle(uint bits) => BitConverter.UInt32BitsToSingle(((bits & 0x8000u) << 16) | ((bits & 0x7FFFu) << 13)) * TwoTo112;

    // Views on the CPU backend wrap native memory, which the GC never moves.
    private static void* Address<T>(ReadOnlySpan<T> span) where T : unmanaged => Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
}
