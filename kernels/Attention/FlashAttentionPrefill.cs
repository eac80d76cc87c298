// Causal sliding-window attention for a chunk of queries (prefill), FlashAttention-2 style:
//     out[t, h] = Σ_j softmax_j(q[t,h]·k[j,kvh] / √d) · v[j,kvh],   i − W < j ≤ i,  i = startPos + t,
// kvh = h / (NHeads / NKvHeads). Keys j < startPos come from the rotating cache (slot j % CacheSlots of
// head kvh, fp32 or fp16),
// keys j ≥ startPos from this chunk's k/v (the chunk has not been written to the cache yet).
// The softmax is online in fp32: per query row a running max m, sum l and unnormalised accumulator
// acc; each key tile rescales them by exp(m_old − m_new). m starts at a large finite negative
// sentinel, never −∞, so a row that has seen no key yet rescales by exp(0) = 1 instead of exp(NaN).
//
// Hardware shape: a group of 256 lanes owns one KV head and a tile of 1024 / headDim "rows", a row
// being (token, query head of that KV head's GQA group), token-major. So K/V tiles are loaded from
// global memory once for all query heads sharing them. Per key tile of 32 keys:
//   1. stage K (row stride headDim + 1, so lanes reading 32 different keys hit 32 banks) and V in
//      shared memory, coalesced;
//   2. every lane computes whole dot products: scores[row][key], 32768 / headDim of them per tile,
//      the same 128 FMAs per lane for every headDim;
//   3. lane (row, c) takes the row's max over the tile's keys inside its window (32 broadcast reads),
//      and writes the weights e^(s − m_new) of keys c, c + headDim/4, ... (masked keys get 0), so each
//      exponential is computed once, not once per lane of the row;
//   4. lane (row, c) owns output dims c, c + headDim/4, c + 2·headDim/4, c + 3·headDim/4 (four scalar
//      accumulators; interleaved so a warp reads consecutive V words, conflict-free), rescales them and
//      adds Σ_key w·v over all 32 keys: a fixed-trip loop the compiler unrolls.
// (Step 3 once recomputed every exponential on each lane of the row; splitting it off cut PoCL's CPU time
// for a 7B-shaped 128-token prefill from 111 to 74 ms.)
// Only key tiles inside [first query − W + 1, last query] are visited: the window is applied by
// loop bounds, and per row by the clamped range of keys in the tile.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels;

/// <summary>FlashAttention-2 prefill over a chunk of tokens with a causal sliding window, GQA, and a rotating KV cache.</summary>
public static partial class FlashAttentionPrefill
{
    [Kernel]
    static void Tile(
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
        [Specialize(8, 16, 32, 64, 128)] SpecializedValue<int> headDim,
        [Specialize(0, 1)] SpecializedValue<int> fp16Cache)
    {
        ArrayView<float> queryTile = SharedMemory.Allocate<float>(AttentionTiles.QueryTileElements);
        ArrayView<float> keyTile = SharedMemory.Allocate<float>(AttentionTiles.KeyTile * (headDim + 1));
        ArrayView<float> valueTile = SharedMemory.Allocate<float>(AttentionTiles.KeyTile * headDim);
        ArrayView<float> scores = SharedMemory.Allocate<float>(AttentionTiles.QueryTileElements / headDim * (AttentionTiles.KeyTile + 1));
        ArrayView<float> weights = SharedMemory.Allocate<float>(AttentionTiles.QueryTileElements / headDim * (AttentionTiles.KeyTile + 1));

        int lane = Group.LinearIndex;
        int rowsPerTile = AttentionTiles.QueryTileElements / headDim;
        int lanesPerRow = headDim / AttentionTiles.DimsPerLane;
        int ratio = nHeads / nKvHeads;
        int kvHead = Grid.IdxY;
        int totalRows = tokens * ratio;
        int firstRow = Grid.IdxX * rowsPerTile;
        int lastRow = KMath.Min(firstRow + rowsPerTile, totalRows) - 1;
        int firstPos = startPos + firstRow / ratio;
        int lastPos = startPos + lastRow / ratio;
        int keyStart = KMath.Max(0, firstPos - window + 1);
        float scale = XMath.Rsqrt((float)headDim);

        for (int e = lane; e < AttentionTiles.QueryTileElements; e += AttentionTiles.GroupLanes)
        {
            int row = firstRow + e / headDim;
            float value = 0f;
            if (row < totalRows)
            {
                int head = kvHead * ratio + row % ratio;
                value = q[(row / ratio * nHeads + head) * headDim + e % headDim] * scale;
            }
            queryTile[e] = value;
        }

        int tileRow = lane / lanesPerRow;
        int dim = lane % lanesPerRow;
        int myRow = firstRow + tileRow;
        int myPos = startPos + myRow / ratio;
        int myFirstKey = KMath.Max(0, myPos - window + 1);
        int myLastKey = myRow < totalRows ? myPos : -1;
        float runningMax = AttentionTiles.NoScore;
        float runningSum = 0f;
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;

        for (int tileStart = keyStart; tileStart <= lastPos; tileStart += AttentionTiles.KeyTile)
        {
            for (int e = lane; e < AttentionTiles.KeyTile * headDim; e += AttentionTiles.GroupLanes)
            {
                int key = tileStart + e / headDim;
                int d = e % headDim;
                float kValue = 0f;
                float vValue = 0f;
                if (key <= lastPos)
                {
                    if (key < startPos)
                    {
                        int at = (kvHead * cacheSlots + key % cacheSlots) * headDim + d;
                        kValue = RotatingKvCache.Load(kCache, kCacheHalf, at, fp16Cache);
                        vValue = RotatingKvCache.Load(vCache, vCacheHalf, at, fp16Cache);
                    }
                    else
                    {
                        int at = ((key - startPos) * nKvHeads + kvHead) * headDim + d;
                        kValue = k[at];
                        vValue = v[at];
                    }
                }
                keyTile[e / headDim * (headDim + 1) + d] = kValue;
                valueTile[e] = vValue;
            }
            Group.Barrier();

            AttentionTiles.ScoreTile(queryTile, keyTile, scores, lane, totalRows - firstRow, headDim);
            Group.Barrier();

            int to = KMath.Min(myLastKey, tileStart + AttentionTiles.KeyTile - 1);
            float newMax = AttentionTiles.WeighTile(scores, weights, tileRow, dim, lanesPerRow, tileStart, KMath.Max(myFirstKey, tileStart), to, runningMax);
            Group.Barrier();

            float rescale = XMath.Exp(runningMax - newMax);
            runningSum *= rescale;
            acc0 *= rescale;
            acc1 *= rescale;
            acc2 *= rescale;
            acc3 *= rescale;
            if (myRow < totalRows)
            {
                for (int key = 0; key < AttentionTiles.KeyTile; key++)
                {
                    float weight = weights[tileRow * (AttentionTiles.KeyTile + 1) + key];
                    int at = key * headDim + dim;
                    runningSum += weight;
                    acc0 = KMath.Fma(weight, valueTile[at], acc0);
                    acc1 = KMath.Fma(weight, valueTile[at + lanesPerRow], acc1);
                    acc2 = KMath.Fma(weight, valueTile[at + 2 * lanesPerRow], acc2);
                    acc3 = KMath.Fma(weight, valueTile[at + 3 * lanesPerRow], acc3);
                }
            }
            runningMax = newMax;
            Group.Barrier();
        }

        if (myRow < totalRows)
        {
            float inverse = 1f / runningSum;
            int head = kvHead * ratio + myRow % ratio;
            int at = (myRow / ratio * nHeads + head) * headDim + dim;
            output[at] = acc0 * inverse;
            output[at + lanesPerRow] = acc1 * inverse;
            output[at + 2 * lanesPerRow] = acc2 * inverse;
            output[at + 3 * lanesPerRow] = acc3 * inverse;
        }
    }
}
