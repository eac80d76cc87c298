// Causal sliding-window prefill attention on tensor cores, FlashAttention-2 style (the same mathematics as
// FlashAttentionPrefill.Tile, FlashAttentionPrefill.cs; rows are (token, query head of one KV head), token-major):
//   S = Q·Kᵀ / √d and O += P·V per 32-key tile, with Mma.M16N8K16 (fp16 in, fp32 accumulate), the online softmax in fp32.
// A group of 4 warps owns 64 rows of one KV head; each warp 16 rows, so a lane (g = lane / 4, t = lane % 4) holds rows
// g and g + 8 of its warp's block in every fragment. Per key tile:
//   1. K (fp16, [key][d]) and V transposed (fp16, [d][key]) staged in shared memory, each word two halves, rows padded by
//      4 words so the 8 rows x 4 words a fragment reads fall in 32 banks; Q was staged once, scaled by 1/√d, the same way;
//   2. S for 16 rows x 32 keys: 4 n-tiles of 8 keys, headDim / 16 k-steps;
//   3. mask (window, causal, rows past the chunk), the row max over the quad's four lanes (two xor shuffles), the
//      weights e^(s − m) in fp32, the accumulators rescaled;
//   4. the weights as fp16 are already P's A fragments (the C layout of two 8-key n-tiles is the A layout of one 16-key
//      step), so O += P·V takes 2 k-steps x headDim / 8 n-tiles with no shuffle.
// O lives in registers, one Float4 per 8 output dims (o0..o15: the kernel language has no register arrays, and headDim
// is a compile-time constant, so the unused ones fold away). The row sums l are per lane until the end, then summed over
// the quad. Error against fp32: q·scale, k and v rounded to fp16 (2^-11 relative each) and the weights rounded to fp16
// before P·V (2^-11 relative, weights ≤ 1); see AttentionPrefillParity's tensor-core rows.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Half = ILGPU.Half;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels;

public static partial class FlashAttentionPrefill
{
    /// <summary>Query rows per group of <see cref="TileMma"/>: 4 warps of 16.</summary>
    public const int MmaRows = 64;

    /// <summary>Lanes per group of <see cref="TileMma"/>.</summary>
    public const int MmaLanes = 128;

    /// <summary>Keys per shared-memory tile of <see cref="TileMma"/>: two 16-key k-steps of P·V.</summary>
    public const int MmaKeyTile = 32;

    /// <summary>Words each staged row is padded by, so a fragment's 8 rows x 4 words hit 32 different banks.</summary>
    public const int MmaPadWords = 4;

    [Kernel]
    static void TileMma(
        [Extent("tokens * nHeads * headDim")] ArrayView<float> q,
        [Extent("tokens * nKvHeads * headDim")] ArrayView<float> k,
        [Extent("tokens * nKvHeads * headDim")] ArrayView<float> v,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> kCache,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> vCache,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> kCacheHalf,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> vCacheHalf,
        [Extent("tokens * nHeads * headDim")] ArrayView<float> output,
        int tokens,
        int startPos,
        int nHeads,
        int nKvHeads,
        int cacheSlots,
        int window,
        [Specialize(16, 32, 64, 128)] SpecializedValue<int> headDim,
        [Specialize(0, 1)] SpecializedValue<int> fp16Cache)
    {
        ArrayView<uint> qs = SharedMemory.Allocate<uint>(MmaRows * (headDim / 2 + MmaPadWords));
        ArrayView<uint> ks = SharedMemory.Allocate<uint>(MmaKeyTile * (headDim / 2 + MmaPadWords));
        ArrayView<uint> vts = SharedMemory.Allocate<uint>(headDim * (MmaKeyTile / 2 + MmaPadWords));

        int lane = Group.LinearIndex;
        int warp = Warp.WarpIdx;
        int g = Warp.LaneIdx >> 2;
        int t = Warp.LaneIdx & 3;
        int rowStride = headDim / 2 + MmaPadWords;
        int vStride = MmaKeyTile / 2 + MmaPadWords;
        int ratio = nHeads / nKvHeads;
        int kvHead = Grid.IdxY;
        int totalRows = tokens * ratio;
        int firstRow = Grid.IdxX * MmaRows;
        int lastRow = KMath.Min(firstRow + MmaRows, totalRows) - 1;
        int lastPos = startPos + lastRow / ratio;
        int keyStart = KMath.Max(0, startPos + firstRow / ratio - window + 1);
        float scale = XMath.Rsqrt((float)headDim);

        for (int e = lane; e < MmaRows * headDim / 2; e += MmaLanes)
        {
            int row = firstRow + e / (headDim / 2);
            int d = 2 * (e % (headDim / 2));
            uint pair = 0u;
            if (row < totalRows)
            {
                int at = (row / ratio * nHeads + kvHead * ratio + row % ratio) * headDim + d;
                pair = KMath.PackHalves(q[at] * scale, q[at + 1] * scale);
            }
            qs[e / (headDim / 2) * rowStride + e % (headDim / 2)] = pair;
        }

        // This lane's two rows (g and g + 8 of its warp's 16) and their key ranges; a row past the chunk has none.
        int row0 = firstRow + warp * 16 + g;
        int row1 = row0 + 8;
        int last0 = row0 < totalRows ? startPos + row0 / ratio : -1;
        int last1 = row1 < totalRows ? startPos + row1 / ratio : -1;
        int first0 = KMath.Max(0, startPos + row0 / ratio - window + 1);
        int first1 = KMath.Max(0, startPos + row1 / ratio - window + 1);
        float max0 = AttentionTiles.NoScore;
        float max1 = AttentionTiles.NoScore;
        float sum0 = 0f;
        float sum1 = 0f;
        var o0 = new Float4(0f, 0f, 0f, 0f);
        var o1 = new Float4(0f, 0f, 0f, 0f);
        var o2 = new Float4(0f, 0f, 0f, 0f);
        var o3 = new Float4(0f, 0f, 0f, 0f);
        var o4 = new Float4(0f, 0f, 0f, 0f);
        var o5 = new Float4(0f, 0f, 0f, 0f);
        var o6 = new Float4(0f, 0f, 0f, 0f);
        var o7 = new Float4(0f, 0f, 0f, 0f);
        var o8 = new Float4(0f, 0f, 0f, 0f);
        var o9 = new Float4(0f, 0f, 0f, 0f);
        var o10 = new Float4(0f, 0f, 0f, 0f);
        var o11 = new Float4(0f, 0f, 0f, 0f);
        var o12 = new Float4(0f, 0f, 0f, 0f);
        var o13 = new Float4(0f, 0f, 0f, 0f);
        var o14 = new Float4(0f, 0f, 0f, 0f);
        var o15 = new Float4(0f, 0f, 0f, 0f);

        for (int tileStart = keyStart; tileStart <= lastPos; tileStart += MmaKeyTile)
        {
            Group.Barrier();
            for (int e = lane; e < MmaKeyTile * headDim / 2; e += MmaLanes)
            {
                int key = tileStart + e / (headDim / 2);
                int d = 2 * (e % (headDim / 2));
                uint pair = 0u;
                if (key <= lastPos)
                    pair = KMath.PackHalves(KeyOrValue(k, kCache, kCacheHalf, key, d, startPos, kvHead, nKvHeads, cacheSlots, headDim, fp16Cache),
                        KeyOrValue(k, kCache, kCacheHalf, key, d + 1, startPos, kvHead, nKvHeads, cacheSlots, headDim, fp16Cache));
                ks[e / (headDim / 2) * rowStride + e % (headDim / 2)] = pair;
            }
            // V transposed: lanes take consecutive dims of one key pair, so the global reads stay coalesced.
            for (int e = lane; e < MmaKeyTile / 2 * headDim; e += MmaLanes)
            {
                int d = e % headDim;
                int keyPair = e / headDim;
                int key = tileStart + 2 * keyPair;
                float low = 0f;
                float high = 0f;
                if (key <= lastPos) low = KeyOrValue(v, vCache, vCacheHalf, key, d, startPos, kvHead, nKvHeads, cacheSlots, headDim, fp16Cache);
                if (key + 1 <= lastPos) high = KeyOrValue(v, vCache, vCacheHalf, key + 1, d, startPos, kvHead, nKvHeads, cacheSlots, headDim, fp16Cache);
                vts[d * vStride + keyPair] = KMath.PackHalves(low, high);
            }
            Group.Barrier();

            var s0 = new Float4(0f, 0f, 0f, 0f);
            var s1 = new Float4(0f, 0f, 0f, 0f);
            var s2 = new Float4(0f, 0f, 0f, 0f);
            var s3 = new Float4(0f, 0f, 0f, 0f);
            for (int step = 0; step < headDim / 16; step++)
            {
                int at = (warp * 16 + g) * rowStride + 8 * step + t;
                var a = new UInt4(qs[at], qs[at + 8 * rowStride], qs[at + 4], qs[at + 8 * rowStride + 4]);
                s0 = Mma.M16N8K16(a, ks[g * rowStride + 8 * step + t], ks[g * rowStride + 8 * step + t + 4], s0);
                s1 = Mma.M16N8K16(a, ks[(8 + g) * rowStride + 8 * step + t], ks[(8 + g) * rowStride + 8 * step + t + 4], s1);
                s2 = Mma.M16N8K16(a, ks[(16 + g) * rowStride + 8 * step + t], ks[(16 + g) * rowStride + 8 * step + t + 4], s2);
                s3 = Mma.M16N8K16(a, ks[(24 + g) * rowStride + 8 * step + t], ks[(24 + g) * rowStride + 8 * step + t + 4], s3);
            }

            // Scores outside a row's window (or of a row past the chunk) drop out of the max and weigh 0.
            int key0 = tileStart + 2 * t;
            s0 = Masked(s0, key0, first0, last0, first1, last1);
            s1 = Masked(s1, key0 + 8, first0, last0, first1, last1);
            s2 = Masked(s2, key0 + 16, first0, last0, first1, last1);
            s3 = Masked(s3, key0 + 24, first0, last0, first1, last1);
            float tileMax0 = KMath.Max(KMath.Max(RowMax(s0.X, s0.Y, s1.X, s1.Y), RowMax(s2.X, s2.Y, s3.X, s3.Y)), max0);
            float tileMax1 = KMath.Max(KMath.Max(RowMax(s0.Z, s0.W, s1.Z, s1.W), RowMax(s2.Z, s2.W, s3.Z, s3.W)), max1);
            float quad0 = Warp.ShuffleXor(tileMax0, 1);
            float quad1 = Warp.ShuffleXor(tileMax1, 1);
            tileMax0 = KMath.Max(tileMax0, quad0);
            tileMax1 = KMath.Max(tileMax1, quad1);
            quad0 = Warp.ShuffleXor(tileMax0, 2);
            quad1 = Warp.ShuffleXor(tileMax1, 2);
            float newMax0 = KMath.Max(tileMax0, quad0);
            float newMax1 = KMath.Max(tileMax1, quad1);
            s0 = Weights(s0, newMax0, newMax1);
            s1 = Weights(s1, newMax0, newMax1);
            s2 = Weights(s2, newMax0, newMax1);
            s3 = Weights(s3, newMax0, newMax1);
            float rescale0 = XMath.Exp(max0 - newMax0);
            float rescale1 = XMath.Exp(max1 - newMax1);
            sum0 = KMath.Fma(sum0, rescale0, (s0.X + s0.Y) + (s1.X + s1.Y) + (s2.X + s2.Y) + (s3.X + s3.Y));
            sum1 = KMath.Fma(sum1, rescale1, (s0.Z + s0.W) + (s1.Z + s1.W) + (s2.Z + s2.W) + (s3.Z + s3.W));
            max0 = newMax0;
            max1 = newMax1;
            if (headDim > 0) o0 = Rescaled(o0, rescale0, rescale1);
            if (headDim > 8) o1 = Rescaled(o1, rescale0, rescale1);
            if (headDim > 16) o2 = Rescaled(o2, rescale0, rescale1);
            if (headDim > 24) o3 = Rescaled(o3, rescale0, rescale1);
            if (headDim > 32) o4 = Rescaled(o4, rescale0, rescale1);
            if (headDim > 40) o5 = Rescaled(o5, rescale0, rescale1);
            if (headDim > 48) o6 = Rescaled(o6, rescale0, rescale1);
            if (headDim > 56) o7 = Rescaled(o7, rescale0, rescale1);
            if (headDim > 64) o8 = Rescaled(o8, rescale0, rescale1);
            if (headDim > 72) o9 = Rescaled(o9, rescale0, rescale1);
            if (headDim > 80) o10 = Rescaled(o10, rescale0, rescale1);
            if (headDim > 88) o11 = Rescaled(o11, rescale0, rescale1);
            if (headDim > 96) o12 = Rescaled(o12, rescale0, rescale1);
            if (headDim > 104) o13 = Rescaled(o13, rescale0, rescale1);
            if (headDim > 112) o14 = Rescaled(o14, rescale0, rescale1);
            if (headDim > 120) o15 = Rescaled(o15, rescale0, rescale1);

            var p01 = new UInt4(KMath.PackHalves(s0.X, s0.Y), KMath.PackHalves(s0.Z, s0.W), KMath.PackHalves(s1.X, s1.Y), KMath.PackHalves(s1.Z, s1.W));
            var p23 = new UInt4(KMath.PackHalves(s2.X, s2.Y), KMath.PackHalves(s2.Z, s2.W), KMath.PackHalves(s3.X, s3.Y), KMath.PackHalves(s3.Z, s3.W));
            if (headDim > 0)
            {
                o0 = Mma.M16N8K16(p01, vts[(0 + g) * vStride + t], vts[(0 + g) * vStride + t + 4], o0);
                o0 = Mma.M16N8K16(p23, vts[(0 + g) * vStride + t + 8], vts[(0 + g) * vStride + t + 12], o0);
            }
            if (headDim > 8)
            {
                o1 = Mma.M16N8K16(p01, vts[(8 + g) * vStride + t], vts[(8 + g) * vStride + t + 4], o1);
                o1 = Mma.M16N8K16(p23, vts[(8 + g) * vStride + t + 8], vts[(8 + g) * vStride + t + 12], o1);
            }
            if (headDim > 16)
            {
                o2 = Mma.M16N8K16(p01, vts[(16 + g) * vStride + t], vts[(16 + g) * vStride + t + 4], o2);
                o2 = Mma.M16N8K16(p23, vts[(16 + g) * vStride + t + 8], vts[(16 + g) * vStride + t + 12], o2);
            }
            if (headDim > 24)
            {
                o3 = Mma.M16N8K16(p01, vts[(24 + g) * vStride + t], vts[(24 + g) * vStride + t + 4], o3);
                o3 = Mma.M16N8K16(p23, vts[(24 + g) * vStride + t + 8], vts[(24 + g) * vStride + t + 12], o3);
            }
            if (headDim > 32)
            {
                o4 = Mma.M16N8K16(p01, vts[(32 + g) * vStride + t], vts[(32 + g) * vStride + t + 4], o4);
                o4 = Mma.M16N8K16(p23, vts[(32 + g) * vStride + t + 8], vts[(32 + g) * vStride + t + 12], o4);
            }
            if (headDim > 40)
            {
                o5 = Mma.M16N8K16(p01, vts[(40 + g) * vStride + t], vts[(40 + g) * vStride + t + 4], o5);
                o5 = Mma.M16N8K16(p23, vts[(40 + g) * vStride + t + 8], vts[(40 + g) * vStride + t + 12], o5);
            }
            if (headDim > 48)
            {
                o6 = Mma.M16N8K16(p01, vts[(48 + g) * vStride + t], vts[(48 + g) * vStride + t + 4], o6);
                o6 = Mma.M16N8K16(p23, vts[(48 + g) * vStride + t + 8], vts[(48 + g) * vStride + t + 12], o6);
            }
            if (headDim > 56)
            {
                o7 = Mma.M16N8K16(p01, vts[(56 + g) * vStride + t], vts[(56 + g) * vStride + t + 4], o7);
                o7 = Mma.M16N8K16(p23, vts[(56 + g) * vStride + t + 8], vts[(56 + g) * vStride + t + 12], o7);
            }
            if (headDim > 64)
            {
                o8 = Mma.M16N8K16(p01, vts[(64 + g) * vStride + t], vts[(64 + g) * vStride + t + 4], o8);
                o8 = Mma.M16N8K16(p23, vts[(64 + g) * vStride + t + 8], vts[(64 + g) * vStride + t + 12], o8);
            }
            if (headDim > 72)
            {
                o9 = Mma.M16N8K16(p01, vts[(72 + g) * vStride + t], vts[(72 + g) * vStride + t + 4], o9);
                o9 = Mma.M16N8K16(p23, vts[(72 + g) * vStride + t + 8], vts[(72 + g) * vStride + t + 12], o9);
            }
            if (headDim > 80)
            {
                o10 = Mma.M16N8K16(p01, vts[(80 + g) * vStride + t], vts[(80 + g) * vStride + t + 4], o10);
                o10 = Mma.M16N8K16(p23, vts[(80 + g) * vStride + t + 8], vts[(80 + g) * vStride + t + 12], o10);
            }
            if (headDim > 88)
            {
                o11 = Mma.M16N8K16(p01, vts[(88 + g) * vStride + t], vts[(88 + g) * vStride + t + 4], o11);
                o11 = Mma.M16N8K16(p23, vts[(88 + g) * vStride + t + 8], vts[(88 + g) * vStride + t + 12], o11);
            }
            if (headDim > 96)
            {
                o12 = Mma.M16N8K16(p01, vts[(96 + g) * vStride + t], vts[(96 + g) * vStride + t + 4], o12);
                o12 = Mma.M16N8K16(p23, vts[(96 + g) * vStride + t + 8], vts[(96 + g) * vStride + t + 12], o12);
            }
            if (headDim > 104)
            {
                o13 = Mma.M16N8K16(p01, vts[(104 + g) * vStride + t], vts[(104 + g) * vStride + t + 4], o13);
                o13 = Mma.M16N8K16(p23, vts[(104 + g) * vStride + t + 8], vts[(104 + g) * vStride + t + 12], o13);
            }
            if (headDim > 112)
            {
                o14 = Mma.M16N8K16(p01, vts[(112 + g) * vStride + t], vts[(112 + g) * vStride + t + 4], o14);
                o14 = Mma.M16N8K16(p23, vts[(112 + g) * vStride + t + 8], vts[(112 + g) * vStride + t + 12], o14);
            }
            if (headDim > 120)
            {
                o15 = Mma.M16N8K16(p01, vts[(120 + g) * vStride + t], vts[(120 + g) * vStride + t + 4], o15);
                o15 = Mma.M16N8K16(p23, vts[(120 + g) * vStride + t + 8], vts[(120 + g) * vStride + t + 12], o15);
            }
        }

        float total0 = Warp.ShuffleXor(sum0, 1);
        float total1 = Warp.ShuffleXor(sum1, 1);
        sum0 += total0;
        sum1 += total1;
        total0 = Warp.ShuffleXor(sum0, 2);
        total1 = Warp.ShuffleXor(sum1, 2);
        float inverse0 = 1f / (sum0 + total0);
        float inverse1 = 1f / (sum1 + total1);
        int out0 = row0 < totalRows ? (row0 / ratio * nHeads + kvHead * ratio + row0 % ratio) * headDim : -1;
        int out1 = row1 < totalRows ? (row1 / ratio * nHeads + kvHead * ratio + row1 % ratio) * headDim : -1;
        if (headDim > 0) StoreRows(output, o0, out0, out1, 0 + 2 * t, inverse0, inverse1);
        if (headDim > 8) StoreRows(output, o1, out0, out1, 8 + 2 * t, inverse0, inverse1);
        if (headDim > 16) StoreRows(output, o2, out0, out1, 16 + 2 * t, inverse0, inverse1);
        if (headDim > 24) StoreRows(output, o3, out0, out1, 24 + 2 * t, inverse0, inverse1);
        if (headDim > 32) StoreRows(output, o4, out0, out1, 32 + 2 * t, inverse0, inverse1);
        if (headDim > 40) StoreRows(output, o5, out0, out1, 40 + 2 * t, inverse0, inverse1);
        if (headDim > 48) StoreRows(output, o6, out0, out1, 48 + 2 * t, inverse0, inverse1);
        if (headDim > 56) StoreRows(output, o7, out0, out1, 56 + 2 * t, inverse0, inverse1);
        if (headDim > 64) StoreRows(output, o8, out0, out1, 64 + 2 * t, inverse0, inverse1);
        if (headDim > 72) StoreRows(output, o9, out0, out1, 72 + 2 * t, inverse0, inverse1);
        if (headDim > 80) StoreRows(output, o10, out0, out1, 80 + 2 * t, inverse0, inverse1);
        if (headDim > 88) StoreRows(output, o11, out0, out1, 88 + 2 * t, inverse0, inverse1);
        if (headDim > 96) StoreRows(output, o12, out0, out1, 96 + 2 * t, inverse0, inverse1);
        if (headDim > 104) StoreRows(output, o13, out0, out1, 104 + 2 * t, inverse0, inverse1);
        if (headDim > 112) StoreRows(output, o14, out0, out1, 112 + 2 * t, inverse0, inverse1);
        if (headDim > 120) StoreRows(output, o15, out0, out1, 120 + 2 * t, inverse0, inverse1);
    }

    /// <summary>Element d of key (or value) row <paramref name="key"/> of the KV head: from the chunk at or past startPos, else from the cache.</summary>
    [KernelHelper]
    static float KeyOrValue(ArrayView<float> chunk, ArrayView<float> cache, ArrayView<Half> cacheHalf, int key, int d, int startPos,
        int kvHead, int nKvHeads, int cacheSlots, int headDim, int isHalf)
    {
        if (key >= startPos) return chunk[((key - startPos) * nKvHeads + kvHead) * headDim + d];
        return RotatingKvCache.Load(cache, cacheHalf, (kvHead * cacheSlots + key % cacheSlots) * headDim + d, isHalf);
    }

    /// <summary>An S fragment (keys <paramref name="key"/>, key + 1 of rows 0 and 1) with the scores outside each row's keys set to the no-score sentinel.</summary>
    [KernelHelper]
    static Float4 Masked(Float4 s, int key, int first0, int last0, int first1, int last1)
    {
        return new Float4(
            key >= first0 && key <= last0 ? s.X : AttentionTiles.NoScore,
            key + 1 >= first0 && key + 1 <= last0 ? s.Y : AttentionTiles.NoScore,
            key >= first1 && key <= last1 ? s.Z : AttentionTiles.NoScore,
            key + 1 >= first1 && key + 1 <= last1 ? s.W : AttentionTiles.NoScore);
    }

    /// <summary>The largest of four scores.</summary>
    [KernelHelper]
    static float RowMax(float a, float b, float c, float d) => KMath.Max(KMath.Max(a, b), KMath.Max(c, d));

    /// <summary>e^(s − m) of each score of the fragment against its row's max; the sentinel (a masked key) weighs 0.</summary>
    [KernelHelper]
    static Float4 Weights(Float4 s, float max0, float max1)
    {
        return new Float4(
            s.X > AttentionTiles.NoScore ? XMath.Exp(s.X - max0) : 0f,
            s.Y > AttentionTiles.NoScore ? XMath.Exp(s.Y - max0) : 0f,
            s.Z > AttentionTiles.NoScore ? XMath.Exp(s.Z - max1) : 0f,
            s.W > AttentionTiles.NoScore ? XMath.Exp(s.W - max1) : 0f);
    }

    /// <summary>An O fragment with row 0's outputs (X, Y) times <paramref name="row0"/> and row 1's (Z, W) times <paramref name="row1"/>.</summary>
    [KernelHelper]
    static Float4 Rescaled(Float4 o, float row0, float row1) => new(o.X * row0, o.Y * row0, o.Z * row1, o.W * row1);

    /// <summary>Stores an O fragment's dims d, d + 1 of both rows, normalised; a row whose offset is -1 lies past the chunk.</summary>
    [KernelHelper]
    static void StoreRows(ArrayView<float> output, Float4 o, int out0, int out1, int d, float inverse0, float inverse1)
    {
        if (out0 >= 0)
        {
            output[out0 + d] = o.X * inverse0;
            output[out0 + d + 1] = o.Y * inverse0;
        }
        if (out1 >= 0)
        {
            output[out1 + d] = o.Z * inverse1;
            output[out1 + d + 1] = o.W * inverse1;
        }
    }
}
