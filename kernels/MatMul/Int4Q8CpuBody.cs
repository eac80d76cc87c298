// The CPU backend's body of Int4MatMul.Q8Rows: the same integer dot products, 64 at a time. This file holds the
// decode GEMV (one token), the quantiser and the path choice; more tokens run Int4Q8Gemm (the cache-tiled GEMM).
//
// Per 128-weight block the row's 64 bytes are split into low and high nibbles (and, shift, and), each
// multiplied byte by byte with the matching 64 activation bytes and added in pairs (vpmaddubsw: unsigned
// nibble x signed int8), then in pairs again (vpmaddwd with ones): 16 int32 lanes, one per weight word, converted
// and multiplied into the accumulator by their group's scale (weight scale times activation scale). The nibbles'
// "- 8" is 8 * sum(q) per group: one multiply-add per 512 weights of the 16 group scales with the activations'
// group sums, taken off at the end. About 10 instructions per 128 weights: on two cores this loop, not DRAM, is
// the GEMV's limit, so every instruction taken out of it shows in tokens/s.
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

        /// <summary>512-bit vpmaddubsw + vpmaddwd (AVX-512BW).</summary>
        Avx512,

        /// <summary>256-bit vpdpbusd (AVX-VNNI): one instruction per 32 byte multiply-adds.</summary>
        Vnni256,

        /// <summary>
        /// The prefill GEMM on 512-bit vpdpbusd (AVX512-VNNI, assembled at run time: <see cref="Int4Q8Vnni512"/>), one
        /// instruction per 64 byte multiply-adds; the GEMV and the quantiser run <see cref="Avx512"/>.
        /// </summary>
        Vnni512,

        /// <summary>256-bit vpmaddubsw + vpmaddwd (AVX2).</summary>
        Avx2,
        None,
    }

    /// <summary>The path in use (<see cref="Path.Best"/>: AVX-512BW, else AVX-VNNI, else AVX2, else the kernel's lanes).</summary>
    internal static Path Forced { get; set; } = Path.Best;

    /// <summary>The path <see cref="Forced"/> resolves to on this machine (<see cref="Path.None"/>: the kernel's lanes).</summary>
    internal static Path ActivePath => Forced switch
    {
        Path.Best when Avx512BW.IsSupported => Path.Avx512,
        Path.Best => Fallback256,
        Path.Avx512 when !Avx512BW.IsSupported => Path.None,
        Path.Vnni512 => Int4Q8Vnni512.IsSupported ? Path.Avx512 : Path.None,
        Path.Vnni256 when !AvxVnni.IsSupported || !Fma.IsSupported => Path.None,
        Path.Avx2 when !Avx2.IsSupported || !Fma.IsSupported => Path.None,
        var chosen => chosen,
    };

    /// <summary>
    /// The path of the prefill's GEMM (unless pinned to another): 512-bit vpdpbusd where this process can assemble it,
    /// else 256-bit vpdpbusd where this machine has AVX-VNNI, otherwise <see cref="ActivePath"/>. The integer-dot probe
    /// times the same instructions.
    /// </summary>
    internal static Path PrefillPath => Forced switch
    {
        Path.Best or Path.Vnni512 when Int4Q8Vnni512.IsSupported => Path.Vnni512,
        Path.Best or Path.Vnni256 when AvxVnni.IsSupported && Fma.IsSupported => Path.Vnni256,
        Path.Vnni512 => Path.None,
        _ => ActivePath,
    };

    /// <summary>The best 256-bit path: where the 512-bit loop cannot take a K (not whole 512-weight chunks).</summary>
    private static Path Fallback256 => AvxVnni.IsSupported && Fma.IsSupported ? Path.Vnni256 : Avx2.IsSupported && Fma.IsSupported ? Path.Avx2 : Path.None;

    /// <summary>
    /// Whether the body reads weights in <see cref="Int4Layout.GroupInterleaved"/> (Int4Q8Interleaved) on the path in
    /// use: AVX-512BW's (GEMV and GEMM) or AVX-VNNI's; otherwise the kernel's lanes run over such weights.
    /// </summary>
    internal static bool ReadsInterleaved => ActivePath == Path.Avx512 || PrefillPath == Path.Vnni256;

    /// <summary>Whether this machine has a vector path (otherwise the kernel's lanes run).</summary>
    public static bool IsAccelerated => ActivePath != Path.None;

    /// <summary>The group body of <c>Int4MatMul.Q8Rows</c>: this group's rows for its tile of tokens.</summary>
    /// <returns>False when no vector path exists here, so the lanes run instead.</returns>
    // Fully optimised from the first call: a decode step calls it a few hundred times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Q8Rows(CpuGroup group, ReadOnlyView<uint> packed, ReadOnlyView<uint> scales, ReadOnlyView<uint> xq,
        ReadOnlyView<float> xScale, ReadOnlyView<int> xSum, View<float> y, int n, int k, int tokens, int groupSize, int tokenTile, int interleaved)
    {
        // Group-interleaved weights run Int4Q8Interleaved where this machine has it, else the lanes.
        if (interleaved == 1 && !ReadsInterleaved) return false;
        var path = ActivePath;
        // The 512-bit loop takes whole 512-weight chunks; other K (multiples of 128) take a 256-bit one.
        if (path == Path.Avx512 && k % 512 != 0) path = Fallback256;
        if (path == Path.None) return false;
        int rowStart = group.GroupId.X * group.GroupSize.X;
        int rowEnd = Math.Min(n, rowStart + group.GroupSize.X);
        int t0 = group.GroupId.Y * tokenTile;
        int tileTokens = Math.Min(tokenTile, tokens - t0);
        if (rowStart >= rowEnd || tileTokens <= 0) return true;
        float* output = (float*)Address(y.AsSpan());
        if (interleaved == 1)
        {
            var products = new Int4Q8Interleaved((byte*)Address(packed.AsSpan()), (ushort*)Address(scales.AsSpan()), (byte*)Address(xq.AsSpan()),
                (float*)Address(xScale.AsSpan()), (int*)Address(xSum.AsSpan()), output, n, k);
            bool wide = path == Path.Avx512;
            if (groupSize == 32) products.Run<Groups32>(rowStart, rowEnd, t0, tileTokens, wide, PrefillPath);
            else products.Run<Groups128>(rowStart, rowEnd, t0, tileTokens, wide, PrefillPath);
            return true;
        }
        if (tileTokens == 1 && path == Path.Avx512)
        {
            // The decode step's GEMV: nothing per row but the dot product itself.
            new RowDots(packed, scales, xq, xScale, xSum, k, groupSize).Gemv512(rowStart, rowEnd, t0, output + (long)t0 * n);
            return true;
        }
        var gemm = new Int4Q8Gemm((byte*)Address(packed.AsSpan()), (ushort*)Address(scales.AsSpan()), (byte*)Address(xq.AsSpan()),
            (float*)Address(xScale.AsSpan()), (int*)Address(xSum.AsSpan()), output, n, k);
        if (groupSize == 32) gemm.Run<Groups32>(path, rowStart, rowEnd, t0, tileTokens);
        else gemm.Run<Groups128>(path, rowStart, rowEnd, t0, tileTokens);
        return true;
    }

    /// <summary>
    /// The group body of <c>Int4MatMul.QuantizeQ8</c>: the group's groups of 32 values, 16 lanes at a time. The
    /// rounding is the lanes' own: x * (127 / max) converted with the processor's round-to-nearest-even.
    /// </summary>
    /// <returns>False without AVX-512 (the lanes run instead).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool QuantizeQ8(CpuGroup group, ReadOnlyView<float> x, View<uint> xq, View<float> xScale, View<int> xSum, int k, int tokens, int interleaved)
    {
        if (ActivePath != Path.Avx512) return false;
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
            if (interleaved == 0)
            {
                uint* words = values + (long)t * (k / 4) + 32 * (g / 4) + 4 * (g % 4);
                even.AsUInt32().Store(words);
                odd.AsUInt32().Store(words + 16);
            }
            else
            {
                // The group's four words go where their stored weight words put them, one word each.
                uint* words = values + (long)t * (k / 4);
                for (int j = 0; j < 4; j++)
                {
                    int word = Int4MatMul.ActivationWord(Int4MatMul.StoredWord(4 * g + j, 1));
                    words[word] = even.AsUInt32().GetElement(j);
                    words[word + 16] = odd.AsUInt32().GetElement(j);
                }
            }
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
    internal static void* Address<T>(ReadOnlySpan<T> span) where T : unmanaged => Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    internal static void* Address<T>(Span<T> span) where T : unmanaged => Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

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
        // The "- 8" goes into a second accumulator once per chunk (see the file's header), as the GEMM takes it.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float Dot512<TScales>(byte* w, ushort* s, byte* x, float* dx, int* sums, int k) where TScales : struct, IWeightScales
        {
            var low = Vector512.Create((byte)0x0F);
            var ones = Vector512.Create((short)1);
            var lanes0 = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
            var lanes1 = lanes0 + Vector512.Create(4);
            var lanes2 = lanes0 + Vector512.Create(8);
            var lanes3 = lanes0 + Vector512.Create(12);
            var acc = Vector512<float>.Zero;
            var offsets = Vector512<float>.Zero;
            for (int chunk = 0; chunk < k / 512; chunk++)
            {
                var scale = TScales.Chunk(s, chunk) * Vector512.Load(dx + 16 * chunk);
                offsets = Avx512F.FusedMultiplyAdd(scale, Avx512F.ConvertToVector512Single(Vector512.Load(sums + 16 * chunk) << 3), offsets);
                acc = Accumulate512(Vector512.Load(w), x, scale, lanes0, low, ones, acc);
                acc = Accumulate512(Vector512.Load(w + 64), x + 128, scale, lanes1, low, ones, acc);
                acc = Accumulate512(Vector512.Load(w + 128), x + 256, scale, lanes2, low, ones, acc);
                acc = Accumulate512(Vector512.Load(w + 192), x + 384, scale, lanes3, low, ones, acc);
                w += 256;
                x += 512;
            }
            return Vector512.Sum(acc - offsets);
        }

        /// <summary>One 128-weight block: nibbles times activation bytes, summed per 32-bit lane, scaled by the lane's group.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Accumulate512(Vector512<byte> bytes, byte* x, Vector512<float> scales, Vector512<int> lanes,
            Vector512<byte> low, Vector512<short> ones, Vector512<float> acc)
        {
            var lo = bytes & low;
            var hi = Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low;
            var pairs = Avx512BW.MultiplyAddAdjacent(lo, Vector512.Load((sbyte*)x)) + Avx512BW.MultiplyAddAdjacent(hi, Vector512.Load((sbyte*)x + 64));
            var words = Avx512BW.MultiplyAddAdjacent(pairs, ones);
            return Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(words), Avx512F.PermuteVar16x32(scales, lanes), acc);
        }
    }

    /// <summary>Where a row's weight scales sit and how a 512-weight chunk's 16 groups of 32 get theirs.</summary>
    internal interface IWeightScales
    {
        /// <summary>Scales per row.</summary>
        static abstract int PerRow(int k);

        /// <summary>The 16 group-of-32 scales of chunk <paramref name="chunk"/>, from the row's first scale.</summary>
        static abstract Vector512<float> Chunk(ushort* rowScales, int chunk);

        /// <summary>The 4 group-of-32 scales of 128-weight block <paramref name="block"/>, from the row's first scale.</summary>
        static abstract Vector128<float> Block(ushort* rowScales, int block);

        /// <summary>The 8 group-of-32 scales of groups 8 * octet .. 8 * octet + 7, from the row's first scale.</summary>
        static abstract Vector256<float> Eight(ushort* rowScales, int octet);
    }

    /// <summary>Groups of 32: one scale per group, 16 per chunk.</summary>
    internal readonly struct Groups32 : IWeightScales
    {
        public static int PerRow(int k) => k / 32;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Block(ushort* rowScales, int block) =>
            HalfVectors.ToSingle(Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)(rowScales + 4 * block)).AsUInt16()));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Chunk(ushort* rowScales, int chunk) =>
            HalfVectors.Load16(rowScales + 16 * chunk);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Eight(ushort* rowScales, int octet) =>
            HalfVectors.Load8(rowScales + 8 * octet);
    }

    /// <summary>Groups of 128: four scales per chunk, each spread to the four groups of 32 it covers.</summary>
    internal readonly struct Groups128 : IWeightScales
    {
        public static int PerRow(int k) => k / 128;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Block(ushort* rowScales, int block) => Vector128.Create((float)BitConverter.UInt16BitsToHalf(rowScales[block]));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Eight(ushort* rowScales, int octet) => Vector256.Create(Block(rowScales, 2 * octet), Block(rowScales, 2 * octet + 1));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Chunk(ushort* rowScales, int chunk)
        {
            ulong four = *(ulong*)(rowScales + 4 * chunk);
            var spread = Vector512.Create(Vector256.Create(Vector128.WidenLower(Vector128.CreateScalar(four).AsUInt16()), Vector128<uint>.Zero), Vector256<uint>.Zero);
            return HalfVectors.ToSingle(Avx512F.PermuteVar16x32(spread.AsInt32(), Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)).AsUInt32());
        }
    }
}
