// The CPU backend's bodies of DenseMatMul.F32Rows and F16Rows: the lanes' sixteen partial sums per row
// are sixteen vector lanes here, added in the same order with the same separate multiply and add, and
// summed across in the same order, so the results are bit-identical to the lanes' (tests compare them).
// The two weight formats differ only in how sixteen weights (and the matching x) are loaded: one loop,
// specialised per format by the JIT through a struct type parameter.
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
    /// <summary>The group body of <c>DenseMatMul.F32Rows</c>; false (run the lanes) without AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F32Rows(CpuGroup group, ReadOnlyView<float> w, ReadOnlyView<float> x, View<float> y, int n, int k, int tokens, int tokenTile) =>
        Avx512F.IsSupported && Rows<Fp32Row>(group, (byte*)Address(w.AsSpan()), (long)k * sizeof(float), x, y, n, k, tokens, tokenTile);

    /// <summary>The group body of <c>DenseMatMul.F16Rows</c>; false (run the lanes) without AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool F16Rows(CpuGroup group, ReadOnlyView<uint> w, ReadOnlyView<float> x, View<float> y, int n, int k, int tokens, int tokenTile) =>
        Avx512F.IsSupported && Rows<Fp16Row>(group, (byte*)Address(w.AsSpan()), (long)(k + 7) / 8 * 16, x, y, n, k, tokens, tokenTile);

    /// <summary>How one weight format is read: sixteen weights with the x they meet, and one weight of the ragged tail.</summary>
    private interface IRowFormat
    {
        /// <summary>The partials' sixteen products for the 16-k block at <paramref name="kb"/>, given that block's x (<see cref="X"/>).</summary>
        static abstract Vector512<float> Weights(byte* row, int kb);

        /// <summary>x[kb .. kb+15] in the order <see cref="Weights"/> pairs them.</summary>
        static abstract Vector512<float> X(float* x, int kb);

        /// <summary>W[row, kk] for the tail past the last whole block.</summary>
        static abstract float At(byte* row, int kk);
    }

    /// <summary>fp32 rows: sixteen consecutive weights, x as it is.</summary>
    private readonly struct Fp32Row : IRowFormat
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Weights(byte* row, int kb) => Vector512.Load((float*)row + kb);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> X(float* x, int kb) => Vector512.Load(x + kb);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float At(byte* row, int kk) => ((float*)row)[kk];
    }

    /// <summary>fp16 rows in uint pairs: partials 0..7 take the block's even halves, 8..15 its odd ones, as the lanes do.</summary>
    private readonly struct Fp16Row : IRowFormat
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Weights(byte* row, int kb)
        {
            var pairs = Vector256.Load((uint*)row + kb / 2);
            return HalfVectors.ToSingle(Vector512.Create(pairs & Vector256.Create(0xFFFFu), pairs >>> 16));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> X(float* x, int kb) =>
            Avx512F.PermuteVar16x32(Vector512.Load(x + kb), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float At(byte* row, int kk)
        {
            uint pair = ((uint*)row)[kk / 2];
            return HalfVectors.ToSingle((kk & 1) == 0 ? pair & 0xFFFFu : pair >> 16);
        }
    }

    /// <summary>The group's rows (four at a time: independent accumulator chains, one load of x for all four) for its tile of tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Rows<TFormat>(CpuGroup group, byte* weights, long rowBytes, ReadOnlyView<float> x, View<float> y, int n, int k, int tokens, int tokenTile)
        where TFormat : struct, IRowFormat
    {
        float* input = (float*)Address(x.AsSpan());
        int full = k / 16 * 16;
        int first = group.GroupId.X * group.GroupSize.X, end = Math.Min(n, first + group.GroupSize.X);
        int t0 = group.GroupId.Y * tokenTile, tEnd = Math.Min(tokens, t0 + tokenTile);
        for (int row = first; row < end; row += 4)
        {
            int rows = Math.Min(4, end - row);
            byte* w0 = weights + row * rowBytes;
            byte* w1 = rows > 1 ? w0 + rowBytes : w0;
            byte* w2 = rows > 2 ? w0 + 2 * rowBytes : w0;
            byte* w3 = rows > 3 ? w0 + 3 * rowBytes : w0;
            for (int t = t0; t < tEnd; t++)
            {
                float* xt = input + (long)t * k;
                var p0 = Vector512<float>.Zero;
                var p1 = Vector512<float>.Zero;
                var p2 = Vector512<float>.Zero;
                var p3 = Vector512<float>.Zero;
                for (int kb = 0; kb < full; kb += 16)
                {
                    var xs = TFormat.X(xt, kb);
                    p0 += TFormat.Weights(w0, kb) * xs;
                    p1 += TFormat.Weights(w1, kb) * xs;
                    p2 += TFormat.Weights(w2, kb) * xs;
                    p3 += TFormat.Weights(w3, kb) * xs;
                }
                Span<Vector512<float>> parts = [p0, p1, p2, p3];
                for (int i = 0; i < rows; i++)
                {
                    byte* wr = w0 + i * rowBytes;
                    float total = SumInOrder(parts[i]);
                    for (int kk = full; kk < k; kk++) total += TFormat.At(wr, kk) * xt[kk];
                    y[t * n + row + i] = total;
                }
            }
        }
        return true;
    }

    // The lanes' SumSixteen: partial 0 first, then 1, 2, ... 15.
    private static float SumInOrder(Vector512<float> part)
    {
        float total = 0f;
        for (int j = 0; j < 16; j++) total += part[j];
        return total;
    }

    // Views on the CPU backend wrap native memory, which the GC never moves.
    private static void* Address<T>(ReadOnlySpan<T> span) where T : unmanaged => Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
}
