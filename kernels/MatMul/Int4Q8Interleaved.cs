// The CPU backend's Q8 GEMV and GEMM over weights in Int4Layout.GroupInterleaved, on 256-bit vpdpbusd (AVX-VNNI) or
// on AVX-512BW's vpmaddubsw.
//
// A 32-byte half of a stored 64-byte load is word i of eight groups of 32. Its low and high nibbles meet the
// matching 32 activation bytes (QuantizeQ8 orders x for the layout) in two vpdpbusd, which add straight into one
// int32 lane per group. After the group's four words a lane holds the group's whole integer dot; the nibbles' "- 8"
// comes off as 8 * sum(q) in integers (exact), then one convert and one multiply-add by weight scale x activation
// scale per eight groups. Per 64 weights and token that is 2 vpdpbusd and 2 activation loads; the standard order's
// 512-bit loop needs 7 instructions of twice the width per 128 weights, three of them float work per load.
//
// On AVX-512BW a whole 64-byte load is word i of sixteen groups: vpmaddubsw's int16 pairs of one token add up in
// int16 over the chunk's eight nibble loads (they cannot overflow) and widen with one vpmaddwd per chunk, so per 64
// weights and token there are two multiplies and one add, where the standard order needs the float work per load.
//
// Loop order of the GEMM as Int4Q8Gemm's: K in slices, four tokens' activations of a slice in L1 while the group's
// rows stream past, each weight half-load unpacked once for the four tokens.
//
// Exactness: every group's integer dot equals the lanes'; only the float sum over groups rounds, in another order.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Path = Mistral.Gpu.Kernels.Int4Q8CpuBody.Path;

namespace Mistral.Gpu.Kernels;

/// <summary>Pointers into one Q8Rows launch's buffers (weights group-interleaved) and the GEMV and GEMM over them.</summary>
internal readonly unsafe struct Int4Q8Interleaved(byte* packed, ushort* scales, byte* xq, float* xScale, int* xSum, float* y, int n, int k)
{
    /// <summary>
    /// Rows rowStart..rowEnd-1 against tokens t0..t0+tileTokens-1 into y [tokens][n]: the GEMV for one token, else the
    /// GEMM. With <paramref name="wide"/> (the AVX-512 path is active) the GEMV runs its AVX-512BW loop, otherwise the
    /// 256-bit one, which the tests pin as the VNNI path. The GEMM runs on <paramref name="gemm"/>: 512-bit vpdpbusd
    /// (assembled), 256-bit vpdpbusd, or otherwise AVX-512BW.
    /// </summary>
    public void Run<TScales>(int rowStart, int rowEnd, int t0, int tileTokens, bool wide, Path gemm) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        if (tileTokens == 1) Gemv<TScales>(rowStart, rowEnd, t0, wide);
        else Gemm<TScales>(rowStart, rowEnd, t0, tileTokens, gemm);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gemv<TScales>(int rowStart, int rowEnd, int token, bool wide) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        int groups = k / 32;
        byte* x = xq + (long)token * k;
        float* dx = xScale + (long)token * groups;
        int* sums = xSum + (long)token * groups;
        float* output = y + (long)token * n;
        int row = rowStart;
        if (wide && k >= FourStreamMinK)
        {
            // Rows r, r + q, r + 2q, r + 3q: four row streams, each one linear run of q rows.
            int q = (rowEnd - rowStart) / 4;
            for (; row < rowStart + q; row++)
                Dot512Four<TScales>(packed + (long)row * (k / 2), (long)q * (k / 2), scales + (long)row * TScales.PerRow(k), (long)q * TScales.PerRow(k), x, dx, sums, k, output + row, q);
            row = rowStart + 4 * q;
        }
        for (; row < rowEnd; row++)
        {
            byte* w = packed + (long)row * (k / 2);
            ushort* s = scales + (long)row * TScales.PerRow(k);
            output[row] = wide ? Dot512<TScales>(w, s, x, dx, sums, k) : Dot<TScales>(w, s, x, dx, sums, k);
        }
    }

    /// <summary>
    /// The K from which the AVX-512BW GEMV runs four rows per activation load (<see cref="Dot512Four{TScales}"/>): there
    /// x, its scales and sums (1.25 bytes per weight, 17.5 KB at K = 14336) and the weights streaming past no longer
    /// fit a 32 KB L1 together, and the evicted activations, reloaded from L2, hold fewer weight lines in flight.
    /// </summary>
    internal const int FourStreamMinK = 8192;

    // Dot512 for rows r, r + q, r + 2q and r + 3q: each activation load feeds four rows, so x leaves L1 a quarter as
    // often, and the rows stay four linear streams (neighbouring rows would interleave within the prefetcher's pages,
    // which measured 2x slower at K = 4096). One int16 sum per row and chunk: 16 products of at most 15 x 127 each.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot512Four<TScales>(byte* w, long rowStride, ushort* s, long scaleStride, byte* x, float* dx, int* sums, int k, float* y, int outputStride)
        where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        var low = Vector512.Create((byte)0x0F);
        var ones = Vector512.Create((short)1);
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int c = 0; c < k / Int4Layouts.ChunkWeights; c++, w += 256, x += 512)
        {
            Vector512<short> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int i = 0; i < 4; i++)
            {
                var xl = Vector512.Load((sbyte*)x + 128 * i);
                var xh = Vector512.Load((sbyte*)x + 128 * i + 64);
                a0 += Nibbles(Vector512.Load(w + 64 * i), xl, xh, low);
                a1 += Nibbles(Vector512.Load(w + rowStride + 64 * i), xl, xh, low);
                a2 += Nibbles(Vector512.Load(w + 2 * rowStride + 64 * i), xl, xh, low);
                a3 += Nibbles(Vector512.Load(w + 3 * rowStride + 64 * i), xl, xh, low);
            }
            var bias = Vector512.Load(sums + 16 * c) << 3;
            var xs = Vector512.Load(dx + 16 * c);
            f0 = AddChunk(a0, ones, bias, TScales.Chunk(s, c) * xs, f0);
            f1 = AddChunk(a1, ones, bias, TScales.Chunk(s + scaleStride, c) * xs, f1);
            f2 = AddChunk(a2, ones, bias, TScales.Chunk(s + 2 * scaleStride, c) * xs, f2);
            f3 = AddChunk(a3, ones, bias, TScales.Chunk(s + 3 * scaleStride, c) * xs, f3);
        }
        y[0] = Vector512.Sum(f0);
        y[outputStride] = Vector512.Sum(f1);
        y[2 * outputStride] = Vector512.Sum(f2);
        y[3 * outputStride] = Vector512.Sum(f3);
    }

    /// <summary>One 64-byte weight load against its word's low-nibble and high-nibble activations: 32 int16 pair sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Nibbles(Vector512<byte> bytes, Vector512<sbyte> low, Vector512<sbyte> high, Vector512<byte> mask) =>
        Avx512BW.MultiplyAddAdjacent(bytes & mask, low) + Avx512BW.MultiplyAddAdjacent(Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask, high);

    /// <summary>
    /// A chunk's int16 pair sums <paramref name="pairs"/> as its 16 group dots (minus the nibbles' 8 · sum(q),
    /// <paramref name="bias"/>) into <paramref name="f"/>, each times its weight scale x activation scale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddChunk(Vector512<short> pairs, Vector512<short> ones, Vector512<int> bias, Vector512<float> scales, Vector512<float> f) =>
        Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(pairs, ones) - bias), scales, f);

    // The decode GEMV where AVX-512BW exists: fewer instructions per weight than vpdpbusd on half the width. A whole
    // 64-byte load is word i of the chunk's 16 groups; vpmaddubsw's int16 pairs of the group's four words add up in
    // int16 (at most 8 x 2 x 15 x 127 = 30480, no overflow), then one vpmaddwd with ones gives the 16 group dots.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot512<TScales>(byte* w, ushort* s, byte* x, float* dx, int* sums, int k) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        var low = Vector512.Create((byte)0x0F);
        var ones = Vector512.Create((short)1);
        Vector512<float> f = default;
        for (int c = 0; c < k / Int4Layouts.ChunkWeights; c++, w += 256, x += 512)
        {
            Vector512<short> a = default;
            for (int i = 0; i < 4; i++) a += Nibbles(Vector512.Load(w + 64 * i), Vector512.Load((sbyte*)x + 128 * i), Vector512.Load((sbyte*)x + 128 * i + 64), low);
            f = AddChunk(a, ones, Vector512.Load(sums + 16 * c) << 3, TScales.Chunk(s, c) * Vector512.Load(dx + 16 * c), f);
        }
        return Vector512.Sum(f);
    }

    // The 256-bit GEMV (AVX-VNNI without AVX-512BW). Static over raw pointers, so that the loop keeps everything in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TScales>(byte* w, ushort* s, byte* x, float* dx, int* sums, int k) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        var low = Vector256.Create((byte)0x0F);
        Vector256<float> f0 = default, f1 = default;
        for (int c = 0; c < k / Int4Layouts.ChunkWeights; c++, w += 256, x += 512)
        {
            // Groups 16c .. 16c+7 in a0/h0, 16c+8 .. 16c+15 in a1/h1; low and high nibbles apart for four independent chains.
            Vector256<int> a0 = default, a1 = default, h0 = default, h1 = default;
            for (int i = 0; i < 4; i++)
            {
                var b0 = Vector256.Load(w + 64 * i);
                var b1 = Vector256.Load(w + 64 * i + 32);
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, b0 & low, Vector256.Load((sbyte*)x + 128 * i));
                h0 = AvxVnni.MultiplyWideningAndAdd(h0, Avx2.ShiftRightLogical(b0.AsUInt16(), 4).AsByte() & low, Vector256.Load((sbyte*)x + 128 * i + 64));
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, b1 & low, Vector256.Load((sbyte*)x + 128 * i + 32));
                h1 = AvxVnni.MultiplyWideningAndAdd(h1, Avx2.ShiftRightLogical(b1.AsUInt16(), 4).AsByte() & low, Vector256.Load((sbyte*)x + 128 * i + 96));
            }
            var q0 = a0 + h0 - (Vector256.Load(sums + 16 * c) << 3);
            var q1 = a1 + h1 - (Vector256.Load(sums + 16 * c + 8) << 3);
            f0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q0), TScales.Eight(s, 2 * c) * Vector256.Load(dx + 16 * c), f0);
            f1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(q1), TScales.Eight(s, 2 * c + 1) * Vector256.Load(dx + 16 * c + 8), f1);
        }
        return Vector256.Sum(f0 + f1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gemm<TScales>(int rowStart, int rowEnd, int t0, int tileTokens, Path gemm) where TScales : struct, Int4Q8CpuBody.IWeightScales
    {
        int groups = k / 32, slice = Int4Q8Gemm.SliceOf(k), sliceGroups = slice / 32;
        // Per slice, once for the whole tile instead of once per four tokens: the rows' scales widened to fp32 and
        // the tokens' "- 8" terms as -8 * sum(q), the value each group's integer accumulator starts from.
        Scratch.For((rowEnd - rowStart) * sliceGroups, tileTokens * sliceGroups, out float* rowScales, out int* tokenBiases);
        byte* blocks = gemm == Path.Vnni512 ? Scratch.Blocks(slice / Int4Layouts.ChunkWeights * Int4Q8Vnni512.TokenBlockBytes) : null;
        var arguments = default(Int4Q8Vnni512.Arguments);
        // The assembled tile's four dot products per row (one more row's room for an odd group's repeated last row).
        float* totals = stackalloc float[4 * (rowEnd - rowStart + 1)];
        for (int k0 = 0; k0 < k; k0 += slice)
        {
            int g0 = k0 / 32, octets = (Math.Min(k, k0 + slice) - k0) / 256;
            for (int row = rowStart; row < rowEnd; row++)
            {
                ushort* s = scales + (long)row * TScales.PerRow(k);
                float* to = rowScales + (long)(row - rowStart) * sliceGroups;
                for (int o = 0; o < octets; o++) TScales.Eight(s, g0 / 8 + o).Store(to + 8 * o);
            }
            // The assembled tile takes its biases from the token blocks, which Vnni512Arguments fills from the sums.
            if (gemm != Path.Vnni512)
                for (int t = 0; t < tileTokens; t++)
                {
                    int* from = xSum + (long)(t0 + t) * groups + g0, to = tokenBiases + t * sliceGroups;
                    for (int o = 0; o < octets; o++) (-(Vector256.Load(from + 8 * o) << 3)).Store(to + 8 * o);
                }
            for (int tt = 0; tt < tileTokens; tt += 4)
            {
                int t = t0 + tt, count = Math.Min(4, tileTokens - tt);
                // The tiles' integers: the biases, or for the assembled tile the sums of q its token blocks take them from.
                var tokens = gemm == Path.Vnni512
                    ? new Int4Q8Gemm.Tokens(xq + (long)t * k + k0, xScale + (long)t * groups + g0, xSum + (long)t * groups + g0, count, k, groups, groups)
                    : new Int4Q8Gemm.Tokens(xq + (long)t * k + k0, xScale + (long)t * groups + g0, tokenBiases + tt * sliceGroups, count, k, groups, sliceGroups);
                if (gemm == Path.Vnni512)
                {
                    arguments = Vnni512Arguments(tokens, octets / 2, blocks);
                    Vnni512Rows(ref arguments, rowStart, rowEnd, k0, rowScales, sliceGroups, totals);
                    for (int row = rowStart; row < rowEnd; row++) Store(y + (long)t * n + row, n, count, k0 == 0, Vector128.Load(totals + 4 * (row - rowStart)));
                    continue;
                }
                for (int row = rowStart; row < rowEnd; row++)
                {
                    byte* w = packed + (long)row * (k / 2) + k0 / 2;
                    float* ws = rowScales + (long)(row - rowStart) * sliceGroups;
                    var sums = gemm == Path.Vnni256 ? Tile(w, ws, tokens, octets) : Tile512(w, ws, tokens, octets / 2);
                    Store(y + (long)t * n + row, n, count, k0 == 0, sums);
                }
            }
        }
    }

    /// <summary>
    /// The assembled tile's arguments for four tokens (their integers the group sums of q) over a slice of
    /// <paramref name="chunks"/> chunks, the rows left out: each chunk's token block (the tokens' biases -8 * sum(q) and
    /// activation scales side by side) written to <paramref name="blocks"/>.
    /// </summary>
    private static Int4Q8Vnni512.Arguments Vnni512Arguments(Int4Q8Gemm.Tokens tokens, int chunks, byte* blocks)
    {
        for (int t = 0; t < 4; t++)
        {
            int* sums = t switch { 0 => tokens.Q0, 1 => tokens.Q1, 2 => tokens.Q2, _ => tokens.Q3 };
            float* dx = t switch { 0 => tokens.D0, 1 => tokens.D1, 2 => tokens.D2, _ => tokens.D3 };
            for (int c = 0; c < chunks; c++)
            {
                byte* block = blocks + (long)c * Int4Q8Vnni512.TokenBlockBytes + 128 * t;
                (-(Vector512.Load(sums + 16 * c) << 3)).Store((int*)block);
                Vector512.Load(dx + 16 * c).Store((float*)(block + 64));
            }
        }
        return new Int4Q8Vnni512.Arguments
        {
            X0 = tokens.X0, X1 = tokens.X1, X2 = tokens.X2, X3 = tokens.X3, Tokens = blocks, Chunks = chunks,
        };
    }

    /// <summary>
    /// Rows rowStart..rowEnd-1 (their slice from <paramref name="k0"/>, their widened scales) through the assembled tile,
    /// two at a time, the four tokens' dot products into <paramref name="totals"/> row by row; an odd last row runs as
    /// both rows of one more call.
    /// </summary>
    private void Vnni512Rows(ref Int4Q8Vnni512.Arguments arguments, int rowStart, int rowEnd, int k0, float* rowScales, int sliceGroups, float* totals)
    {
        int rows = rowEnd - rowStart;
        arguments.Weights = packed + (long)rowStart * (k / 2) + k0 / 2;
        arguments.Scales = rowScales;
        arguments.WeightStride = k / 2;
        arguments.ScaleStride = sliceGroups * sizeof(float);
        arguments.Sums = totals;
        arguments.Pairs = rows / 2;
        fixed (Int4Q8Vnni512.Arguments* at = &arguments)
        {
            if (rows >= 2) Int4Q8Vnni512.Tile(at);
            if (rows % 2 == 0) return;
            arguments.Weights = packed + (long)(rowEnd - 1) * (k / 2) + k0 / 2;
            arguments.Scales = rowScales + (long)(rows - 1) * sliceGroups;
            arguments.WeightStride = arguments.ScaleStride = 0;
            arguments.Sums = totals + 4 * (rows - 1);
            arguments.Pairs = 1;
            Int4Q8Vnni512.Tile(at);
        }
    }

    /// <summary>The lane sums of four vectors: halves added, then three horizontal adds, not four reductions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Totals(Vector512<float> f0, Vector512<float> f1, Vector512<float> f2, Vector512<float> f3)
    {
        var all = Avx.HorizontalAdd(Avx.HorizontalAdd(f0.GetLower() + f0.GetUpper(), f1.GetLower() + f1.GetUpper()),
            Avx.HorizontalAdd(f2.GetLower() + f2.GetUpper(), f3.GetLower() + f3.GetUpper()));
        return all.GetLower() + all.GetUpper();
    }

    /// <summary>A row's dot products with <paramref name="count"/> tokens into y (the first's at <paramref name="at"/>): written by the first slice, added by the others.</summary>
    private static void Store(float* at, int n, int count, bool first, Vector128<float> sums)
    {
        for (int i = 0; i < count; i++, at += n) *at = first ? sums.GetElement(i) : *at + sums.GetElement(i);
    }

    /// <summary>One row against four tokens over a slice's <paramref name="octets"/> groups of eight groups: the four dot products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Tile(byte* w, float* ws, Int4Q8Gemm.Tokens tokens, int octets)
    {
        var low = Vector256.Create((byte)0x0F);
        sbyte* x0 = (sbyte*)tokens.X0, x1 = (sbyte*)tokens.X1, x2 = (sbyte*)tokens.X2, x3 = (sbyte*)tokens.X3;
        float* d0 = tokens.D0, d1 = tokens.D1, d2 = tokens.D2, d3 = tokens.D3;
        // The tokens' integers here are the biases -8 * sum(q), each group accumulator's starting value.
        int* b0 = tokens.Q0, b1 = tokens.Q1, b2 = tokens.Q2, b3 = tokens.Q3;
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        // Octet o is groups 8o .. 8o+7 of the slice, the half o % 2 of chunk o / 2.
        for (int o = 0; o < octets; o++)
        {
            int g = 8 * o;
            var a0 = Vector256.Load(b0 + g);
            var a1 = Vector256.Load(b1 + g);
            var a2 = Vector256.Load(b2 + g);
            var a3 = Vector256.Load(b3 + g);
            // The high nibbles in chains of their own: eight independent vpdpbusd chains of four cover its latency.
            Vector256<int> h0 = default, h1 = default, h2 = default, h3 = default;
            byte* wo = w + 256L * (o >> 1) + 32 * (o & 1);
            long xo = 512L * (o >> 1) + 32 * (o & 1);
            for (int i = 0; i < 4; i++, wo += 64, xo += 128)
            {
                var bytes = Vector256.Load(wo);
                var lo = bytes & low;
                var hi = Avx2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, lo, Vector256.Load(x0 + xo));
                h0 = AvxVnni.MultiplyWideningAndAdd(h0, hi, Vector256.Load(x0 + xo + 64));
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, lo, Vector256.Load(x1 + xo));
                h1 = AvxVnni.MultiplyWideningAndAdd(h1, hi, Vector256.Load(x1 + xo + 64));
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, lo, Vector256.Load(x2 + xo));
                h2 = AvxVnni.MultiplyWideningAndAdd(h2, hi, Vector256.Load(x2 + xo + 64));
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, lo, Vector256.Load(x3 + xo));
                h3 = AvxVnni.MultiplyWideningAndAdd(h3, hi, Vector256.Load(x3 + xo + 64));
            }
            var scale = Vector256.Load(ws + g);
            f0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(a0 + h0), scale * Vector256.Load(d0 + g), f0);
            f1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(a1 + h1), scale * Vector256.Load(d1 + g), f1);
            f2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(a2 + h2), scale * Vector256.Load(d2 + g), f2);
            f3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(a3 + h3), scale * Vector256.Load(d3 + g), f3);
        }
        var all = Avx.HorizontalAdd(Avx.HorizontalAdd(f0, f1), Avx.HorizontalAdd(f2, f3));
        return all.GetLower() + all.GetUpper();
    }

    /// <summary>
    /// <see cref="Tile"/> on AVX-512BW: one row against four tokens over a slice's <paramref name="chunks"/> chunks. Each
    /// whole 64-byte load is word i of the chunk's 16 groups; a token's vpmaddubsw pairs of all eight nibble loads add
    /// up in int16 (at most 8 x 2 x 15 x 127 = 30480) and widen with one vpmaddwd per chunk: two multiplies and one add
    /// per 64 bytes and token, where the standard order's loop needs three multiplies, a convert, a permute and a
    /// multiply-add.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Tile512(byte* w, float* ws, Int4Q8Gemm.Tokens tokens, int chunks)
    {
        var low = Vector512.Create((byte)0x0F);
        var ones = Vector512.Create((short)1);
        sbyte* x0 = (sbyte*)tokens.X0, x1 = (sbyte*)tokens.X1, x2 = (sbyte*)tokens.X2, x3 = (sbyte*)tokens.X3;
        float* d0 = tokens.D0, d1 = tokens.D1, d2 = tokens.D2, d3 = tokens.D3;
        int* b0 = tokens.Q0, b1 = tokens.Q1, b2 = tokens.Q2, b3 = tokens.Q3;
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int c = 0; c < chunks; c++)
        {
            int g = 16 * c;
            Vector512<short> q0 = default, q1 = default, q2 = default, q3 = default;
            byte* wc = w + 256L * c;
            long xo = 512L * c;
            for (int i = 0; i < 4; i++, wc += 64, xo += 128)
            {
                var bytes = Vector512.Load(wc);
                var lo = bytes & low;
                var hi = Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
                q0 += Avx512BW.MultiplyAddAdjacent(lo, Vector512.Load(x0 + xo)) + Avx512BW.MultiplyAddAdjacent(hi, Vector512.Load(x0 + xo + 64));
                q1 += Avx512BW.MultiplyAddAdjacent(lo, Vector512.Load(x1 + xo)) + Avx512BW.MultiplyAddAdjacent(hi, Vector512.Load(x1 + xo + 64));
                q2 += Avx512BW.MultiplyAddAdjacent(lo, Vector512.Load(x2 + xo)) + Avx512BW.MultiplyAddAdjacent(hi, Vector512.Load(x2 + xo + 64));
                q3 += Avx512BW.MultiplyAddAdjacent(lo, Vector512.Load(x3 + xo)) + Avx512BW.MultiplyAddAdjacent(hi, Vector512.Load(x3 + xo + 64));
            }
            // The group dots start from the biases -8 * sum(q), as Tile's accumulators do.
            var scale = Vector512.Load(ws + g);
            f0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(q0, ones) + Vector512.Load(b0 + g)), scale * Vector512.Load(d0 + g), f0);
            f1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(q1, ones) + Vector512.Load(b1 + g)), scale * Vector512.Load(d1 + g), f1);
            f2 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(q2, ones) + Vector512.Load(b2 + g)), scale * Vector512.Load(d2 + g), f2);
            f3 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(q3, ones) + Vector512.Load(b3 + g)), scale * Vector512.Load(d3 + g), f3);
        }
        return Totals(f0, f1, f2, f3);
    }

    /// <summary>Each worker thread's buffers for the widened scales and the biases of one slice, grown on demand.</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]? scales;
        [ThreadStatic] private static int[]? biases;
        [ThreadStatic] private static byte[]? blocks;

        /// <summary>At least <paramref name="bytes"/> bytes for the assembled tile's token blocks, 64-byte aligned.</summary>
        public static byte* Blocks(int bytes)
        {
            if (blocks is null || blocks.Length < bytes + 64) blocks = GC.AllocateUninitializedArray<byte>(bytes + 64, pinned: true);
            byte* at = (byte*)Unsafe.AsPointer(ref blocks[0]);
            return (byte*)(((nint)at + 63) & ~(nint)63);
        }

        public static void For(int scaleCount, int biasCount, out float* scalesAt, out int* biasesAt)
        {
            // Pinned on the pinned-object heap: the pointers stay valid for the thread's life.
            if (scales is null || scales.Length < scaleCount) scales = GC.AllocateUninitializedArray<float>(scaleCount, pinned: true);
            if (biases is null || biases.Length < biasCount) biases = GC.AllocateUninitializedArray<int>(biasCount, pinned: true);
            scalesAt = (float*)Unsafe.AsPointer(ref scales[0]);
            biasesAt = (int*)Unsafe.AsPointer(ref biases[0]);
        }
    }
}
