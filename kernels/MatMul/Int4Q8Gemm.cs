// The CPU prefill's int4 x int8 GEMM (the group body of Int4MatMul.Q8Rows for more than one token):
// a group's rows (64) against its tile of tokens (up to 128), four tokens at a time.
//
// Loop order, for the caches: K in slices of at most 4096 weights; per slice, four tokens' int8 activations (<= 16 KiB,
// half of a 32 KiB L1: the weights stream through the other half) stay in L1 while all the group's rows stream past,
// and the group's slice of weights (64 rows x 2 KiB) stays
// in L2 across the tile's 32 passes of four tokens. Each 64-byte weight load is split into nibbles once and multiplied
// into four tokens. The partial sums of later slices are added to the output the first slice wrote.
//
// Per 128 weights and token: 512-bit vpmaddubsw twice and vpmaddwd (AVX-512BW), or 256-bit vpdpbusd four times
// (AVX-VNNI; .NET 10 has no 512-bit vpdpbusd), or AVX2's vpmaddubsw/vpmaddwd; then one convert and one
// multiply-add by the group scales (weight scale x activation scale, spread to the lanes of their group). The
// nibbles' "- 8" is not subtracted per lane: it is 8 * sum(q) per group, taken off once per 512 (or 128)
// weights as one multiply-add of the scales with the activations' group sums.
//
// Exactness: every integer dot product equals the lanes'; the float sums differ from the lanes' group-by-group
// order by rounding only.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Path = Mistral.Gpu.Kernels.Int4Q8CpuBody.Path;

namespace Mistral.Gpu.Kernels;

/// <summary>Pointers into one Q8Rows launch's buffers and the tiled GEMM over them.</summary>
internal readonly unsafe struct Int4Q8Gemm(byte* packed, ushort* scales, byte* xq, float* xScale, int* xSum, float* y, int n, int k)
{
    /// <summary>
    /// Most weights per slice of K: four tokens' activations of one slice fill at most 16 KiB of L1. Slices of 8192
    /// (the whole 32 KiB of a Zen 4 core's L1) ran w2's 512-token GEMM 8-18 % slower, alternating runs.
    /// </summary>
    private const int MaxSliceK = 4096;

    /// <summary>K split into equal slices of whole 512-weight chunks, each at most <see cref="MaxSliceK"/> (w2's 14336: four of 3584).</summary>
    internal static int SliceOf(int k)
    {
        int chunks = k / 512, slices = (k + MaxSliceK - 1) / MaxSliceK;
        return k % 512 != 0 || slices == 1 ? k : 512 * ((chunks + slices - 1) / slices);
    }

    /// <summary>Rows rowStart..rowEnd-1 against tokens t0..t0+tileTokens-1 into y [tokens][n].</summary>
    public void Run<TScales>(Path path, int rowStart, int rowEnd, int t0, int tileTokens) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        int groups = k / 32, slice = SliceOf(k);
        for (int k0 = 0; k0 < k; k0 += slice)
        {
            int k1 = Math.Min(k, k0 + slice);
            for (int tt = 0; tt < tileTokens; tt += 4)
            {
                int t = t0 + tt, count = Math.Min(4, tileTokens - tt);
                var tokens = new Tokens(xq + (long)t * k, xScale + (long)t * groups, xSum + (long)t * groups, count, k, groups, groups);
                for (int row = rowStart; row < rowEnd; row++)
                {
                    byte* w = packed + (long)row * (k / 2);
                    ushort* s = scales + (long)row * TScales.PerRow(k);
                    var sums = path == Path.Avx512
                        ? Tile512<TScales>(w, s, tokens, k0 / 512, k1 / 512)
                        : Tile256<TScales>(w, s, tokens, k0 / 128, k1 / 128, path == Path.Vnni256);
                    for (int i = 0; i < count; i++)
                    {
                        float* at = y + (long)(t + i) * n + row;
                        *at = k0 == 0 ? sums.GetElement(i) : *at + sums.GetElement(i);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Four tokens' activations, group scales and per-group integers (the group sums of q, or the interleaved GEMM's
    /// biases), each list from its first token with its own stride; tokens past count repeat the last one (their sums
    /// are dropped).
    /// </summary>
    internal readonly struct Tokens
    {
        public readonly byte* X0, X1, X2, X3;
        public readonly float* D0, D1, D2, D3;
        public readonly int* Q0, Q1, Q2, Q3;

        public Tokens(byte* x, float* dx, int* ints, int count, long xStride, long dxStride, long intStride)
        {
            int t1 = Math.Min(1, count - 1), t2 = Math.Min(2, count - 1), t3 = Math.Min(3, count - 1);
            X0 = x;
            X1 = x + t1 * xStride;
            X2 = x + t2 * xStride;
            X3 = x + t3 * xStride;
            D0 = dx;
            D1 = dx + t1 * dxStride;
            D2 = dx + t2 * dxStride;
            D3 = dx + t3 * dxStride;
            Q0 = ints;
            Q1 = ints + t1 * intStride;
            Q2 = ints + t2 * intStride;
            Q3 = ints + t3 * intStride;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Tile512<TScales>(byte* w, ushort* s, Tokens tokens, int c0, int c1) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        var low = Vector512.Create((byte)0x0F);
        var ones = Vector512.Create((short)1);
        var four = Vector512.Create(4);
        var quarters = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
        byte* x0 = tokens.X0, x1 = tokens.X1, x2 = tokens.X2, x3 = tokens.X3;
        float* d0 = tokens.D0, d1 = tokens.D1, d2 = tokens.D2, d3 = tokens.D3;
        int* q0 = tokens.Q0, q1 = tokens.Q1, q2 = tokens.Q2, q3 = tokens.Q3;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int c = c0; c < c1; c++)
        {
            // The chunk's 16 groups: weight scale x activation scale per token, and the nibbles' 8 * sum(q) off once.
            var ws = TScales.Chunk(s, c);
            var s0 = ws * Vector512.Load(d0 + 16 * c);
            var s1 = ws * Vector512.Load(d1 + 16 * c);
            var s2 = ws * Vector512.Load(d2 + 16 * c);
            var s3 = ws * Vector512.Load(d3 + 16 * c);
            a0 = Avx512F.FusedMultiplyAddNegated(s0, Avx512F.ConvertToVector512Single(Vector512.Load(q0 + 16 * c) << 3), a0);
            a1 = Avx512F.FusedMultiplyAddNegated(s1, Avx512F.ConvertToVector512Single(Vector512.Load(q1 + 16 * c) << 3), a1);
            a2 = Avx512F.FusedMultiplyAddNegated(s2, Avx512F.ConvertToVector512Single(Vector512.Load(q2 + 16 * c) << 3), a2);
            a3 = Avx512F.FusedMultiplyAddNegated(s3, Avx512F.ConvertToVector512Single(Vector512.Load(q3 + 16 * c) << 3), a3);
            var lanes = quarters;
            long at = 512L * c;
            for (int j = 0; j < 4; j++, at += 128)
            {
                var bytes = Vector512.Load(w + 256L * c + 64 * j);
                var lo = bytes & low;
                var hi = Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
                a0 = Step512(lo, hi, x0 + at, s0, lanes, ones, a0);
                a1 = Step512(lo, hi, x1 + at, s1, lanes, ones, a1);
                a2 = Step512(lo, hi, x2 + at, s2, lanes, ones, a2);
                a3 = Step512(lo, hi, x3 + at, s3, lanes, ones, a3);
                lanes += four;
            }
        }
        return Sum4(a0.GetLower() + a0.GetUpper(), a1.GetLower() + a1.GetUpper(), a2.GetLower() + a2.GetUpper(), a3.GetLower() + a3.GetUpper());
    }

    /// <summary>One 128-weight block of one token: 16 word dots (without the "- 8"), times their groups' scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Step512(Vector512<byte> lo, Vector512<byte> hi, byte* x, Vector512<float> scales, Vector512<int> lanes, Vector512<short> ones, Vector512<float> acc)
    {
        var pairs = Avx512BW.MultiplyAddAdjacent(lo, Vector512.Load((sbyte*)x)) + Avx512BW.MultiplyAddAdjacent(hi, Vector512.Load((sbyte*)x + 64));
        var words = Avx512BW.MultiplyAddAdjacent(pairs, ones);
        return Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(words), Avx512F.PermuteVar16x32(scales, lanes), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Tile256<TScales>(byte* w, ushort* s, Tokens tokens, int b0, int b1, bool vnni) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        var low = Vector256.Create((byte)0x0F);
        var ones = Vector256.Create((short)1);
        // Per 64 weights: 8 word lanes, two groups of 32.
        var lower = Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1);
        var upper = Vector256.Create(2, 2, 2, 2, 3, 3, 3, 3);
        byte* x0 = tokens.X0, x1 = tokens.X1, x2 = tokens.X2, x3 = tokens.X3;
        float* d0 = tokens.D0, d1 = tokens.D1, d2 = tokens.D2, d3 = tokens.D3;
        int* q0 = tokens.Q0, q1 = tokens.Q1, q2 = tokens.Q2, q3 = tokens.Q3;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        // The nibbles' 8 * sum(q) terms, four groups at a time.
        Vector128<float> e0 = default, e1 = default, e2 = default, e3 = default;
        for (int b = b0; b < b1; b++)
        {
            var ws = TScales.Block(s, b);
            var s0 = ws * Vector128.Load(d0 + 4 * b);
            var s1 = ws * Vector128.Load(d1 + 4 * b);
            var s2 = ws * Vector128.Load(d2 + 4 * b);
            var s3 = ws * Vector128.Load(d3 + 4 * b);
            e0 = Fma.MultiplyAdd(s0, Sse2.ConvertToVector128Single(Vector128.Load(q0 + 4 * b) << 3), e0);
            e1 = Fma.MultiplyAdd(s1, Sse2.ConvertToVector128Single(Vector128.Load(q1 + 4 * b) << 3), e1);
            e2 = Fma.MultiplyAdd(s2, Sse2.ConvertToVector128Single(Vector128.Load(q2 + 4 * b) << 3), e2);
            e3 = Fma.MultiplyAdd(s3, Sse2.ConvertToVector128Single(Vector128.Load(q3 + 4 * b) << 3), e3);
            long at = 128L * b;
            for (int half = 0; half < 2; half++, at += 32)
            {
                var bytes = Vector256.Load(w + 64L * b + 32 * half);
                var lo = bytes & low;
                var hi = Avx2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
                var lanes = half == 0 ? lower : upper;
                a0 = Step256(lo, hi, x0 + at, Vector256.Create(s0, s0), lanes, ones, a0, vnni);
                a1 = Step256(lo, hi, x1 + at, Vector256.Create(s1, s1), lanes, ones, a1, vnni);
                a2 = Step256(lo, hi, x2 + at, Vector256.Create(s2, s2), lanes, ones, a2, vnni);
                a3 = Step256(lo, hi, x3 + at, Vector256.Create(s3, s3), lanes, ones, a3, vnni);
            }
        }
        return Sum4(a0, a1, a2, a3) - Sum4(e0, e1, e2, e3);
    }

    /// <summary>The four tokens' totals, each the sum of one vector's lanes: three horizontal adds, not four reductions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        var all = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        return all.GetLower() + all.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3) =>
        Sse3.HorizontalAdd(Sse3.HorizontalAdd(a0, a1), Sse3.HorizontalAdd(a2, a3));

    /// <summary>Half a block (64 weights, 8 words) of one token, times their two groups' scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Step256(Vector256<byte> lo, Vector256<byte> hi, byte* x, Vector256<float> scales, Vector256<int> lanes, Vector256<short> ones, Vector256<float> acc, bool vnni)
    {
        var xl = Vector256.Load((sbyte*)x);
        var xh = Vector256.Load((sbyte*)x + 64);
        var words = vnni
            ? AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, lo, xl), hi, xh)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(lo, xl) + Avx2.MultiplyAddAdjacent(hi, xh), ones);
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(words), Avx2.PermuteVar8x32(scales, lanes), acc);
    }
}
