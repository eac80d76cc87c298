// The CPU backend's body of Int4MatMul.Q8Rows: the same integer dot products, 64 at a time.
//
// Per 128-weight block the row's 64 bytes are split into low and high nibbles (and, shift, and), each
// multiplied byte by byte with the matching 64 activation bytes and added in pairs (vpmaddubsw: unsigned
// nibble x signed int8), then in pairs again (vpmaddwd with ones): 16 int32 lanes, one per weight word.
// The "- 8" of the nibbles is 2 * sum(q) per lane (8 * sum(q) per group of four words), and one fused
// multiply-add per lane applies the weight scale times the activation scale. About 13 instructions per 128
// weights, so two cores stream DRAM instead of waiting on arithmetic.
//
// Exactness: the integer parts equal the lanes' exactly; the float sum over groups runs lane-wise, then
// across lanes, so the result differs from the lanes' group-by-group sum by float rounding only.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Kernels;

/// <summary>Vectorised CPU implementations of the Q8 int4 kernels (see <see cref="CpuGroupBodyAttribute"/>).</summary>
internal static unsafe class Int4Q8CpuBody
{
    /// <summary>Which instruction set the body uses; tests pin it to check each path on one machine.</summary>
    internal enum Path
    {
        Best,
        Avx512,
        Avx2,
        None,
    }

    /// <summary>The path in use (<see cref="Path.Best"/>: AVX-512BW, else AVX2, else the kernel's lanes).</summary>
    internal static Path Forced { get; set; } = Path.Best;

    private static Path Active => Forced switch
    {
        Path.Best when Avx512BW.IsSupported => Path.Avx512,
        Path.Best when Avx2.IsSupported => Path.Avx2,
        Path.Best => Path.None,
        Path.Avx512 when !Avx512BW.IsSupported => Path.None,
        Path.Avx2 when !Avx2.IsSupported => Path.None,
        var chosen => chosen,
    };

    /// <summary>Whether this machine has a vector path (otherwise the kernel's lanes run).</summary>
    public static bool IsAccelerated => Active != Path.None;

    /// <summary>The group body of <c>Int4MatMul.Q8Rows</c>: this group's rows for its tile of tokens.</summary>
    /// <returns>False when no vector path exists here, so the lanes run instead.</returns>
    // Fully optimised from the first call: a decode step calls it a few hundred times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Q8Rows(CpuGroup group, ReadOnlyView<uint> packed, ReadOnlyView<uint> scales, ReadOnlyView<uint> xq,
        ReadOnlyView<float> xScale, ReadOnlyView<int> xSum, View<float> y, int n, int k, int tokens, int groupSize, int tokenTile)
    {
        var path = Active;
        // The 512-bit loop takes whole 512-weight chunks; other K (multiples of 128) take the 256-bit one.
        if (path == Path.Avx512 && k % 512 != 0) path = Avx2.IsSupported ? Path.Avx2 : Path.None;
        if (path == Path.None) return false;
        int rowStart = group.GroupId.X * group.GroupSize.X;
        int rowEnd = Math.Min(n, rowStart + group.GroupSize.X);
        int t0 = group.GroupId.Y * tokenTile;
        int tileTokens = Math.Min(tokenTile, tokens - t0);
        if (rowStart >= rowEnd || tileTokens <= 0) return true;
        var rows = new RowDots(packed, scales, xq, xScale, xSum, k, groupSize);
        if (tileTokens == 1 && path == Path.Avx512)
        {
            // The decode step's GEMV: nothing per row but the dot product itself.
            rows.Gemv512(rowStart, rowEnd, t0, (float*)Address(y.AsSpan()) + (long)t0 * n);
            return true;
        }
        for (int row = rowStart; row < rowEnd; row++)
        {
            for (int tt = 0; tt < tileTokens; tt += 4)
            {
                int count = Math.Min(4, tileTokens - tt);
                if (count == 1 && path == Path.Avx512)
                {
                    y[(t0 + tt) * n + row] = rows.Dot512(row, t0 + tt);
                    continue;
                }
                var sums = path == Path.Avx512 ? rows.Dot512(row, t0 + tt, count) : rows.Dot256(row, t0 + tt, count);
                for (int i = 0; i < count; i++) y[(t0 + tt + i) * n + row] = sums[i];
            }
        }
        return true;
    }

    /// <summary>
    /// The group body of <c>Int4MatMul.QuantizeQ8</c>: the group's groups of 32 values, 16 lanes at a time. The
    /// rounding is the lanes' own: x * (127 / max) converted with the processor's round-to-nearest-even.
    /// </summary>
    /// <returns>False without AVX-512 (the lanes run instead).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool QuantizeQ8(CpuGroup group, ReadOnlyView<float> x, View<uint> xq, View<float> xScale, View<int> xSum, int k, int tokens)
    {
        if (Active != Path.Avx512) return false;
        int groups = k / 32;
        int first = group.GroupId.X * group.GroupSize.X;
        int end = Math.Min(tokens * groups, first + group.GroupSize.X);
        float* input = (float*)Address(x.AsSpan());
        uint* values = (uint*)Address(xq.AsSpan());
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;
        var limit = Vector512.Create(127);
        for (int task = first; task < end; task++)
        {
            int t = task / groups, g = task - t * groups;
            float* at = input + (long)t * k + 32 * g;
            var a = Vector512.Load(at);
            var b = Vector512.Load(at + 16);
            float amax = MaxAcross(Vector512.Max(Vector512.Abs(a), Vector512.Abs(b)));
            float inverse = amax > 0f ? 127f / amax : 0f;
            var qa = Vector512.Min(Vector512.Max(Avx512F.ConvertToVector512Int32(a * inverse), -limit), limit);
            var qb = Vector512.Min(Vector512.Max(Avx512F.ConvertToVector512Int32(b * inverse), -limit), limit);
            // Even k (the low nibbles' partners) and odd k, each 16 values -> 16 bytes = 4 words.
            var even = Avx512F.ConvertToVector128SByte(Avx512F.PermuteVar16x32x2(qa, evens, qb));
            var odd = Avx512F.ConvertToVector128SByte(Avx512F.PermuteVar16x32x2(qa, odds, qb));
            uint* words = values + (long)t * (k / 4) + 32 * (g / 4) + 4 * (g % 4);
            even.AsUInt32().Store(words);
            odd.AsUInt32().Store(words + 16);
            xScale[t * groups + g] = amax / 127f;
            xSum[t * groups + g] = Vector512.Sum(qa + qb);
        }
        return true;
    }

    private static float MaxAcross(Vector512<float> v)
    {
        var m = Vector256.Max(v.GetLower(), v.GetUpper());
        var q = Vector128.Max(m.GetLower(), m.GetUpper());
        q = Vector128.Max(q, Vector128.Shuffle(q, Vector128.Create(2, 3, 0, 1)));
        q = Vector128.Max(q, Vector128.Shuffle(q, Vector128.Create(1, 0, 3, 2)));
        return q.ToScalar();
    }

    // Views on the CPU backend wrap native memory, which the GC never moves.
    private static void* Address<T>(ReadOnlySpan<T> span) where T : unmanaged => Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    private static void* Address<T>(Span<T> span) where T : unmanaged => Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    /// <summary>Pointers into one launch's buffers and the arithmetic over them.</summary>
    private readonly struct RowDots
    {
        private readonly byte* packed;
        private readonly ushort* scales;
        private readonly byte* xq;
        private readonly float* xScale;
        private readonly int* xSum;
        private readonly int k, groupSize;

        public RowDots(ReadOnlyView<uint> packed, ReadOnlyView<uint> scales, ReadOnlyView<uint> xq, ReadOnlyView<float> xScale, ReadOnlyView<int> xSum, int k, int groupSize)
        {
            this.packed = (byte*)Address(packed.AsSpan());
            this.scales = (ushort*)Address(scales.AsSpan());
            this.xq = (byte*)Address(xq.AsSpan());
            this.xScale = (float*)Address(xScale.AsSpan());
            this.xSum = (int*)Address(xSum.AsSpan());
            this.k = k;
            this.groupSize = groupSize;
        }

        /// <summary>Row <paramref name="row"/> against token <paramref name="token"/> (the GEMV of a decode step), 512 bits at a time.</summary>
        public float Dot512(int row, int token) => groupSize == 32
            ? Dot512<Groups32>(packed + (long)row * (k / 2), scales + (long)row * Groups32.PerRow(k), xq + (long)token * k, xScale + token * (k / 32), xSum + token * (k / 32), k)
            : Dot512<Groups128>(packed + (long)row * (k / 2), scales + (long)row * Groups128.PerRow(k), xq + (long)token * k, xScale + token * (k / 32), xSum + token * (k / 32), k);

        /// <summary>Rows rowStart..rowEnd-1 against one token into <paramref name="y"/> (indexed by row).</summary>
        public void Gemv512(int rowStart, int rowEnd, int token, float* y)
        {
            if (groupSize == 32) Gemv512<Groups32>(rowStart, rowEnd, token, y);
            else Gemv512<Groups128>(rowStart, rowEnd, token, y);
        }

        private void Gemv512<TScales>(int rowStart, int rowEnd, int token, float* y) where TScales : struct, IWeightScales
        {
            byte* w = packed + (long)rowStart * (k / 2);
            ushort* s = scales + (long)rowStart * TScales.PerRow(k);
            byte* x = xq + (long)token * k;
            float* dx = xScale + token * (k / 32);
            int* sums = xSum + token * (k / 32);
            for (int row = rowStart; row < rowEnd; row++, w += k / 2, s += TScales.PerRow(k))
                y[row] = Dot512<TScales>(w, s, x, dx, sums, k);
        }

        // Everything in registers: a static method over raw pointers, so the loop reloads nothing from the struct.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float Dot512<TScales>(byte* w, ushort* s, byte* x, float* dx, int* sums, int k) where TScales : struct, IWeightScales
        {
            var low = Vector512.Create((byte)0x0F);
            var ones = Vector512.Create((short)1);
            var four = Vector512.Create(4);
            var quarters = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
            var acc = Vector512<float>.Zero;
            for (int chunk = 0; chunk < k / 512; chunk++)
            {
                var scale = TScales.Chunk(s, chunk) * Vector512.Load(dx + 16 * chunk);
                var corrections = Vector512.Load(sums + 16 * chunk) << 1;
                var lanes = quarters;
                for (int j = 0; j < 4; j++)
                {
                    var bytes = Vector512.Load(w + 64 * j);
                    var lo = bytes & low;
                    var hi = Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
                    acc = Accumulate512(lo, hi, x + 128 * j, corrections, scale, lanes, ones, acc);
                    lanes += four;
                }
                w += 256;
                x += 512;
            }
            return Vector512.Sum(acc);
        }

        /// <summary>Row <paramref name="row"/> against tokens first..first+count-1 (count 1..4), 512 bits at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Sums Dot512(int row, int first, int count)
        {
            byte* w = packed + (long)row * (k / 2);
            int groups = k / 32;
            var low = Vector512.Create((byte)0x0F);
            var ones = Vector512.Create((short)1);
            var four = Vector512.Create(4);
            var quarters = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
            var a0 = Vector512<float>.Zero;
            var a1 = Vector512<float>.Zero;
            var a2 = Vector512<float>.Zero;
            var a3 = Vector512<float>.Zero;
            // Tokens past count repeat the last one; their sums are dropped.
            int t1 = first + Math.Min(1, count - 1), t2 = first + Math.Min(2, count - 1), t3 = first + Math.Min(3, count - 1);
            for (int chunk = 0; chunk < k / 512; chunk++)
            {
                // 16 groups of 32: the weight scales, then per token times the activation scales and 2 * sum(q).
                var ws = WeightScales512(row, chunk);
                var s0 = ws * Vector512.Load(xScale + first * groups + 16 * chunk);
                var c0 = Vector512.Load(xSum + first * groups + 16 * chunk) * 2;
                var s1 = ws * Vector512.Load(xScale + t1 * groups + 16 * chunk);
                var c1 = Vector512.Load(xSum + t1 * groups + 16 * chunk) * 2;
                var s2 = ws * Vector512.Load(xScale + t2 * groups + 16 * chunk);
                var c2 = Vector512.Load(xSum + t2 * groups + 16 * chunk) * 2;
                var s3 = ws * Vector512.Load(xScale + t3 * groups + 16 * chunk);
                var c3 = Vector512.Load(xSum + t3 * groups + 16 * chunk) * 2;
                var lanes = quarters;
                for (int j = 0; j < 4; j++)
                {
                    int block = 4 * chunk + j;
                    var bytes = Vector512.Load(w + 64 * block);
                    var lo = bytes & low;
                    var hi = Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
                    a0 = Accumulate512(lo, hi, xq + (long)first * k + 128 * block, c0, s0, lanes, ones, a0);
                    if (count > 1) a1 = Accumulate512(lo, hi, xq + (long)t1 * k + 128 * block, c1, s1, lanes, ones, a1);
                    if (count > 2) a2 = Accumulate512(lo, hi, xq + (long)t2 * k + 128 * block, c2, s2, lanes, ones, a2);
                    if (count > 3) a3 = Accumulate512(lo, hi, xq + (long)t3 * k + 128 * block, c3, s3, lanes, ones, a3);
                    lanes += four;
                }
            }
            return new Sums(Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Accumulate512(Vector512<byte> lo, Vector512<byte> hi, byte* x, Vector512<int> corrections, Vector512<float> scales,
            Vector512<int> lanes, Vector512<short> ones, Vector512<float> acc)
        {
            var pairs = Avx512BW.MultiplyAddAdjacent(lo, Vector512.Load((sbyte*)x)) + Avx512BW.MultiplyAddAdjacent(hi, Vector512.Load((sbyte*)x + 64));
            var words = Avx512BW.MultiplyAddAdjacent(pairs, ones) - Avx512F.PermuteVar16x32(corrections, lanes);
            return Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(words), Avx512F.PermuteVar16x32(scales, lanes), acc);
        }

        /// <summary>The weight scales of the 16 groups of 32 in 512-weight chunk <paramref name="chunk"/> of a row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<float> WeightScales512(int row, int chunk) => groupSize == 32
            ? Groups32.Chunk(scales + (long)row * Groups32.PerRow(k), chunk)
            : Groups128.Chunk(scales + (long)row * Groups128.PerRow(k), chunk);

        /// <summary>Row <paramref name="row"/> against tokens first..first+count-1 (count 1..4), 256 bits at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Sums Dot256(int row, int first, int count)
        {
            byte* w = packed + (long)row * (k / 2);
            int groups = k / 32;
            var low = Vector256.Create((byte)0x0F);
            var ones = Vector256.Create((short)1);
            // Per 64 weights: 8 word lanes, two groups of 32.
            var lower = Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1);
            var upper = Vector256.Create(2, 2, 2, 2, 3, 3, 3, 3);
            Span<float> result = stackalloc float[4];
            for (int i = 0; i < count; i++)
            {
                int t = first + i;
                var acc = Vector256<float>.Zero;
                for (int block = 0; block < k / 128; block++)
                {
                    var ws = WeightScales128(row, block) * Vector128.Load(xScale + t * groups + 4 * block);
                    var cs = Vector128.Load(xSum + t * groups + 4 * block) * 2;
                    var s = Vector256.Create(ws, ws);
                    var c = Vector256.Create(cs, cs);
                    byte* x = xq + (long)t * k + 128 * block;
                    for (int half = 0; half < 2; half++)
                    {
                        var bytes = Vector256.Load(w + 64 * block + 32 * half);
                        var lo = bytes & low;
                        var hi = Avx2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
                        var pairs = Avx2.MultiplyAddAdjacent(lo, Vector256.Load((sbyte*)x + 32 * half)) + Avx2.MultiplyAddAdjacent(hi, Vector256.Load((sbyte*)x + 64 + 32 * half));
                        var lanes = half == 0 ? lower : upper;
                        var words = Avx2.MultiplyAddAdjacent(pairs, ones) - Avx2.PermuteVar8x32(c, lanes);
                        acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(words), Avx2.PermuteVar8x32(s, lanes), acc);
                    }
                }
                result[i] = Vector256.Sum(acc);
            }
            return new Sums(result[0], result[1], result[2], result[3]);
        }

        /// <summary>The weight scales of the 4 groups of 32 in 128-weight block <paramref name="block"/> of a row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector128<float> WeightScales128(int row, int block)
        {
            if (groupSize == 32)
                return HalfVectors.ToSingle(Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)(scales + (long)row * (k / 32) + 4 * block)).AsUInt16()));
            return Vector128.Create((float)BitConverter.UInt16BitsToHalf(scales[(long)row * (k / 128) + block]));
        }

    }

    /// <summary>Where a row's weight scales sit and how a 512-weight chunk's 16 groups of 32 get theirs.</summary>
    private interface IWeightScales
    {
        /// <summary>Scales per row.</summary>
        static abstract int PerRow(int k);

        /// <summary>The 16 group-of-32 scales of chunk <paramref name="chunk"/>, from the row's first scale.</summary>
        static abstract Vector512<float> Chunk(ushort* rowScales, int chunk);
    }

    /// <summary>Groups of 32: one scale per group, 16 per chunk.</summary>
    private readonly struct Groups32 : IWeightScales
    {
        public static int PerRow(int k) => k / 32;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Chunk(ushort* rowScales, int chunk) =>
            HalfVectors.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.Load(rowScales + 16 * chunk)));
    }

    /// <summary>Groups of 128: four scales per chunk, each spread to the four groups of 32 it covers.</summary>
    private readonly struct Groups128 : IWeightScales
    {
        public static int PerRow(int k) => k / 128;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Chunk(ushort* rowScales, int chunk)
        {
            ulong four = *(ulong*)(rowScales + 4 * chunk);
            var spread = Vector512.Create(Vector256.Create(Vector128.WidenLower(Vector128.CreateScalar(four).AsUInt16()), Vector128<uint>.Zero), Vector256<uint>.Zero);
            return HalfVectors.ToSingle(Avx512F.PermuteVar16x32(spread.AsInt32(), Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)).AsUInt32());
        }
    }

    /// <summary>Up to four dot products, one per token.</summary>
    private readonly record struct Sums(float S0, float S1, float S2, float S3)
    {
        public float this[int i] => i switch { 0 => S0, 1 => S1, 2 => S2, _ => S3 };
    }
}
