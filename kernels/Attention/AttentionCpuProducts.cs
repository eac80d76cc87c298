// The two products of the CPU attention bodies, written once over the K/V element type (IKvElements: fp32 rows loaded,
// fp16 rows widened in registers) and the vector width (IFloatLanes), and the prefetch that keeps the decode body's
// rows arriving ahead of it. Four query rows go together (the GQA ratio of Mistral 7B) so every K and V vector loaded
// feeds four FMAs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mistral.Gpu.Kernels;

internal static unsafe partial class AttentionCpuBody
{
    /// <summary>How a K or V row's elements load as floats (a struct per element type: the JIT compiles a loop per type).</summary>
    private interface IKvElements
    {
        /// <summary>The lanes' worth of elements from element <paramref name="d"/> of <paramref name="row"/>.</summary>
        static abstract TVector Load<TLanes, TVector>(void* row, int d) where TLanes : struct, IFloatLanes<TVector> where TVector : struct;
    }

    /// <summary>fp32 rows: plain loads.</summary>
    private readonly struct Fp32Elements : IKvElements
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Load<TLanes, TVector>(void* row, int d) where TLanes : struct, IFloatLanes<TVector> where TVector : struct =>
            TLanes.Load((float*)row + d);
    }

    /// <summary>fp16 rows: halves widened in registers.</summary>
    private readonly struct Fp16Elements : IKvElements
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Load<TLanes, TVector>(void* row, int d) where TLanes : struct, IFloatLanes<TVector> where TVector : struct =>
            TLanes.LoadHalf((ushort*)row + d);
    }

    /// <summary>How many key blocks ahead of the one being computed the decode body requests its K and V rows.</summary>
    private const int PrefetchBlocks = 2;

    /// <summary>Asks for the cache lines of <paramref name="bytes"/> bytes from <paramref name="at"/> into every cache level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* at, int bytes)
    {
        for (int offset = 0; offset < bytes; offset += 64) Sse.Prefetch0(at + offset);
    }


    /// <summary>
    /// The scores of four consecutive query rows (stride <paramref name="headDim"/>) against <paramref name="count"/> key
    /// rows, row r's at <paramref name="scores"/>[r·stride + j]: four keys at a time where 512-bit vectors run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores<TElements>(float* q, int headDim, void** k, int count, float* scores, int stride) where TElements : struct, IKvElements
    {
        int j = 0;
        if (Wide(headDim))
            for (; j + 4 <= count; j += 4) Dot4x4<TElements>(q, headDim, k + j, scores + j, stride);
        for (; j < count; j++) Dot4<TElements>(q, headDim, k[j], scores + j, stride);
    }

    /// <summary>
    /// The sixteen dot products of four query rows with four key rows <paramref name="k"/>[0..3]: sixteen accumulators,
    /// then one transposing reduction tree (four levels of two shuffles and an add) that leaves row r's four scores in
    /// 128-bit block r. Sixteen separate horizontal sums cost about 25 instructions each in .NET 10: more than the dots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x4<TElements>(float* q, int headDim, void** k, float* scores, int stride) where TElements : struct, IKvElements
    {
        // x{4·key + row}: the tree below puts x{4·key + r} in lane key of block r. Written out by key, not by a helper
        // taking the accumulators by reference: the JIT keeps address-taken vectors in memory, not in registers.
        Vector512<float> x0 = default, x1 = default, x2 = default, x3 = default, x4 = default, x5 = default, x6 = default, x7 = default;
        Vector512<float> x8 = default, x9 = default, x10 = default, x11 = default, x12 = default, x13 = default, x14 = default, x15 = default;
        void* k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3];
        for (int d = 0; d < headDim; d += 16)
        {
            var q0 = Vector512.Load(q + d);
            var q1 = Vector512.Load(q + headDim + d);
            var q2 = Vector512.Load(q + 2 * headDim + d);
            var q3 = Vector512.Load(q + 3 * headDim + d);
            var key = TElements.Load<Lanes512, Vector512<float>>(k0, d);
            x0 = Avx512F.FusedMultiplyAdd(q0, key, x0);
            x1 = Avx512F.FusedMultiplyAdd(q1, key, x1);
            x2 = Avx512F.FusedMultiplyAdd(q2, key, x2);
            x3 = Avx512F.FusedMultiplyAdd(q3, key, x3);
            key = TElements.Load<Lanes512, Vector512<float>>(k1, d);
            x4 = Avx512F.FusedMultiplyAdd(q0, key, x4);
            x5 = Avx512F.FusedMultiplyAdd(q1, key, x5);
            x6 = Avx512F.FusedMultiplyAdd(q2, key, x6);
            x7 = Avx512F.FusedMultiplyAdd(q3, key, x7);
            key = TElements.Load<Lanes512, Vector512<float>>(k2, d);
            x8 = Avx512F.FusedMultiplyAdd(q0, key, x8);
            x9 = Avx512F.FusedMultiplyAdd(q1, key, x9);
            x10 = Avx512F.FusedMultiplyAdd(q2, key, x10);
            x11 = Avx512F.FusedMultiplyAdd(q3, key, x11);
            key = TElements.Load<Lanes512, Vector512<float>>(k3, d);
            x12 = Avx512F.FusedMultiplyAdd(q0, key, x12);
            x13 = Avx512F.FusedMultiplyAdd(q1, key, x13);
            x14 = Avx512F.FusedMultiplyAdd(q2, key, x14);
            x15 = Avx512F.FusedMultiplyAdd(q3, key, x15);
        }
        // Level 1: a's 8-lane partial in blocks 0-1, b's in blocks 2-3. Level 2: one input's 4-lane partial per block.
        var e0 = Fold4(Fold8(x0, x1), Fold8(x2, x3));
        var e1 = Fold4(Fold8(x4, x5), Fold8(x6, x7));
        var e2 = Fold4(Fold8(x8, x9), Fold8(x10, x11));
        var e3 = Fold4(Fold8(x12, x13), Fold8(x14, x15));
        // Level 3: within block r, two lanes of e's input r then two of f's. Level 4: block r = x{r}, x{4+r}, x{8+r}, x{12+r}.
        var sums = Fold1(Fold2(e0, e1), Fold2(e2, e3));
        sums.GetLower().GetLower().Store(scores);
        sums.GetLower().GetUpper().Store(scores + stride);
        sums.GetUpper().GetLower().Store(scores + 2 * stride);
        sums.GetUpper().GetUpper().Store(scores + 3 * stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold8(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0x44) + Avx512F.Shuffle4x128(a, b, 0xEE);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold4(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0x88) + Avx512F.Shuffle4x128(a, b, 0xDD);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold2(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle(a, b, 0x44) + Avx512F.Shuffle(a, b, 0xEE);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold1(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle(a, b, 0x88) + Avx512F.Shuffle(a, b, 0xDD);

    /// <summary>
    /// The dot products of four consecutive query rows (stride <paramref name="headDim"/>) with one key row, stored at
    /// <paramref name="scores"/>[0, stride, 2·stride, 3·stride]: one key load feeds four independent FMA chains.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4<TElements>(float* q, int headDim, void* k, float* scores, int stride) where TElements : struct, IKvElements
    {
        if (Wide(headDim)) Dot4<Lanes512, Vector512<float>, TElements>(q, headDim, k, scores, stride);
        else Dot4<Lanes256, Vector256<float>, TElements>(q, headDim, k, scores, stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4<TLanes, TVector, TElements>(float* q, int headDim, void* k, float* scores, int stride)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct where TElements : struct, IKvElements
    {
        var s0 = TLanes.Zero;
        var s1 = TLanes.Zero;
        var s2 = TLanes.Zero;
        var s3 = TLanes.Zero;
        for (int d = 0; d < headDim; d += TLanes.Count)
        {
            var key = TElements.Load<TLanes, TVector>(k, d);
            s0 = TLanes.MultiplyAdd(TLanes.Load(q + d), key, s0);
            s1 = TLanes.MultiplyAdd(TLanes.Load(q + headDim + d), key, s1);
            s2 = TLanes.MultiplyAdd(TLanes.Load(q + 2 * headDim + d), key, s2);
            s3 = TLanes.MultiplyAdd(TLanes.Load(q + 3 * headDim + d), key, s3);
        }
        scores[0] = TLanes.Sum(s0);
        scores[stride] = TLanes.Sum(s1);
        scores[2 * stride] = TLanes.Sum(s2);
        scores[3 * stride] = TLanes.Sum(s3);
    }

    /// <summary>
    /// acc[r, d] += Σ_j w[r, j]·v_j[d] for four rows (acc stride <paramref name="headDim"/>, weights stride
    /// <paramref name="stride"/>) over <paramref name="count"/> value rows: two vectors of dims of the four rows stay
    /// in eight registers while the block's keys stream past, so each value vector is loaded once per four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWeighted4<TElements>(float* acc, int headDim, float* w, int stride, void** v, int count) where TElements : struct, IKvElements
    {
        if (Wide(headDim) && headDim % 64 == 0) AddWeighted4x4<TElements>(acc, headDim, w, stride, v, count);
        else if (Wide(headDim)) AddWeighted4<Lanes512, Vector512<float>, TElements>(acc, headDim, w, stride, v, count);
        else AddWeighted4<Lanes256, Vector256<float>, TElements>(acc, headDim, w, stride, v, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWeighted4<TLanes, TVector, TElements>(float* acc, int headDim, float* w, int stride, void** v, int count)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct where TElements : struct, IKvElements
    {
        int width = TLanes.Count;
        for (int d = 0; d < headDim; d += 2 * width)
        {
            // headDim is a multiple of the width, not always of twice it: the last pass may hold one vector per row.
            bool two = headDim - d >= 2 * width;
            var a00 = TLanes.Load(acc + d);
            var a10 = TLanes.Load(acc + headDim + d);
            var a20 = TLanes.Load(acc + 2 * headDim + d);
            var a30 = TLanes.Load(acc + 3 * headDim + d);
            var a01 = two ? TLanes.Load(acc + d + width) : TLanes.Zero;
            var a11 = two ? TLanes.Load(acc + headDim + d + width) : TLanes.Zero;
            var a21 = two ? TLanes.Load(acc + 2 * headDim + d + width) : TLanes.Zero;
            var a31 = two ? TLanes.Load(acc + 3 * headDim + d + width) : TLanes.Zero;
            for (int j = 0; j < count; j++)
            {
                var v0 = TElements.Load<TLanes, TVector>(v[j], d);
                var v1 = two ? TElements.Load<TLanes, TVector>(v[j], d + width) : TLanes.Zero;
                var w0 = TLanes.Broadcast(w[j]);
                var w1 = TLanes.Broadcast(w[stride + j]);
                var w2 = TLanes.Broadcast(w[2 * stride + j]);
                var w3 = TLanes.Broadcast(w[3 * stride + j]);
                a00 = TLanes.MultiplyAdd(w0, v0, a00);
                a01 = TLanes.MultiplyAdd(w0, v1, a01);
                a10 = TLanes.MultiplyAdd(w1, v0, a10);
                a11 = TLanes.MultiplyAdd(w1, v1, a11);
                a20 = TLanes.MultiplyAdd(w2, v0, a20);
                a21 = TLanes.MultiplyAdd(w2, v1, a21);
                a30 = TLanes.MultiplyAdd(w3, v0, a30);
                a31 = TLanes.MultiplyAdd(w3, v1, a31);
            }
            TLanes.Store(a00, acc + d);
            TLanes.Store(a10, acc + headDim + d);
            TLanes.Store(a20, acc + 2 * headDim + d);
            TLanes.Store(a30, acc + 3 * headDim + d);
            if (two)
            {
                TLanes.Store(a01, acc + d + width);
                TLanes.Store(a11, acc + headDim + d + width);
                TLanes.Store(a21, acc + 2 * headDim + d + width);
                TLanes.Store(a31, acc + 3 * headDim + d + width);
            }
        }
    }

    /// <summary>
    /// <see cref="AddWeighted4{TElements}"/> 64 dims a pass with 512-bit vectors: the four rows' sixteen accumulators stay
    /// in registers while the value rows stream past, so each weight is broadcast once per 64 dims, and each value
    /// vector, widened once, feeds four FMAs before the next is loaded.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWeighted4x4<TElements>(float* acc, int headDim, float* w, int stride, void** v, int count) where TElements : struct, IKvElements
    {
        for (int d = 0; d < headDim; d += 64)
        {
            float* r0 = acc + d, r1 = r0 + headDim, r2 = r1 + headDim, r3 = r2 + headDim;
            Vector512<float> a00 = Vector512.Load(r0), a01 = Vector512.Load(r0 + 16), a02 = Vector512.Load(r0 + 32), a03 = Vector512.Load(r0 + 48);
            Vector512<float> a10 = Vector512.Load(r1), a11 = Vector512.Load(r1 + 16), a12 = Vector512.Load(r1 + 32), a13 = Vector512.Load(r1 + 48);
            Vector512<float> a20 = Vector512.Load(r2), a21 = Vector512.Load(r2 + 16), a22 = Vector512.Load(r2 + 32), a23 = Vector512.Load(r2 + 48);
            Vector512<float> a30 = Vector512.Load(r3), a31 = Vector512.Load(r3 + 16), a32 = Vector512.Load(r3 + 32), a33 = Vector512.Load(r3 + 48);
            for (int j = 0; j < count; j++)
            {
                void* row = v[j];
                var w0 = Vector512.Create(w[j]);
                var w1 = Vector512.Create(w[stride + j]);
                var w2 = Vector512.Create(w[2 * stride + j]);
                var w3 = Vector512.Create(w[3 * stride + j]);
                var value = TElements.Load<Lanes512, Vector512<float>>(row, d);
                a00 = Avx512F.FusedMultiplyAdd(w0, value, a00);
                a10 = Avx512F.FusedMultiplyAdd(w1, value, a10);
                a20 = Avx512F.FusedMultiplyAdd(w2, value, a20);
                a30 = Avx512F.FusedMultiplyAdd(w3, value, a30);
                value = TElements.Load<Lanes512, Vector512<float>>(row, d + 16);
                a01 = Avx512F.FusedMultiplyAdd(w0, value, a01);
                a11 = Avx512F.FusedMultiplyAdd(w1, value, a11);
                a21 = Avx512F.FusedMultiplyAdd(w2, value, a21);
                a31 = Avx512F.FusedMultiplyAdd(w3, value, a31);
                value = TElements.Load<Lanes512, Vector512<float>>(row, d + 32);
                a02 = Avx512F.FusedMultiplyAdd(w0, value, a02);
                a12 = Avx512F.FusedMultiplyAdd(w1, value, a12);
                a22 = Avx512F.FusedMultiplyAdd(w2, value, a22);
                a32 = Avx512F.FusedMultiplyAdd(w3, value, a32);
                value = TElements.Load<Lanes512, Vector512<float>>(row, d + 48);
                a03 = Avx512F.FusedMultiplyAdd(w0, value, a03);
                a13 = Avx512F.FusedMultiplyAdd(w1, value, a13);
                a23 = Avx512F.FusedMultiplyAdd(w2, value, a23);
                a33 = Avx512F.FusedMultiplyAdd(w3, value, a33);
            }
            a00.Store(r0); a01.Store(r0 + 16); a02.Store(r0 + 32); a03.Store(r0 + 48);
            a10.Store(r1); a11.Store(r1 + 16); a12.Store(r1 + 32); a13.Store(r1 + 48);
            a20.Store(r2); a21.Store(r2 + 16); a22.Store(r2 + 32); a23.Store(r2 + 48);
            a30.Store(r3); a31.Store(r3 + 16); a32.Store(r3 + 32); a33.Store(r3 + 48);
        }
    }
}
