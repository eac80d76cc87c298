// Attention for one new token (decode), flash-decoding style. The query at `position` attends keys
// j in [max(0, position − W + 1), position], all in the rotating cache (slot j % CacheSlots of its KV
// head, fp32 or fp16; the token's own k/v were written first). That range is cut into `splits` ranges of `splitSize` keys,
// one group each per (query-row tile, KV head, split), in ONE launch:
//   every group: the online-softmax state of its range,
//       m_s = max_j s_j,  l_s = Σ_j e^{s_j − m_s},  acc_s = Σ_j e^{s_j − m_s} v_j   (unnormalised)
//   the group that finishes a tile's last split (it counts the tile's arrivals with an atomic after a device fence,
//   the "last block" pattern of CUDA's threadFenceReduction) merges the tile's splits, per query head:
//       M = max_s m_s,   out = Σ_s e^{m_s − M} acc_s / Σ_s e^{m_s − M} l_s,
//   and sets the tile's counter back to 0 for the next launch. A single split writes out = acc / l itself.
// Folding the merge in saves the second launch per layer that a separate combine kernel cost (3-5 us each on a GPU).
// Every split range is non-empty and every key in it is inside the window, so l_s ≥ 1 and m_s is a
// real score: the merge needs no sentinel handling.
//
// Hardware shape: at batch 1 the work is one row per head, far too little to fill a GPU if one group
// walked the whole window; splitting the keys gives rowTiles × NKvHeads × splits groups, and the host
// picks splits so that is at least twice the compute units (each split ≥ 64 keys so the fixed cost
// of a group stays small). Partial has the prefill kernel's layout (K/V tiles of 32 keys in shared
// memory, loaded once per GQA group, whole dot products per lane, each weight e^(s − m) computed once
// into shared memory, four accumulators per lane); its rows are the query heads of one KV head.
// CPU-like devices run FlashDecoding.PartialRows instead (FlashDecodingRows.cs): one lane per group, the same
// states and the same last-arrival merge.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Atomic = ILGPU.Atomic;
using Group = ILGPU.Group;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels;

/// <summary>Flash-decoding: single-token attention split over key ranges, merged by the last group of each tile.</summary>
public static partial class FlashDecoding
{
    /// <summary>
    /// One output element of <paramref name="head"/>, merged from the <paramref name="splits"/> states of the split
    /// ranges: <c>Σ_s e^(m_s − M) acc_s[d] / Σ_s e^(m_s − M) l_s</c> with <c>M = max_s m_s</c>.
    /// </summary>
    [KernelHelper]
    internal static float MergeSplits(ArrayView<float> partialMax, ArrayView<float> partialSum, ArrayView<float> partialOutput,
        int head, int d, int nHeads, int splits, int headDim)
    {
        float globalMax = AttentionTiles.NoScore;
        for (int s = 0; s < splits; s++) globalMax = KMath.Max(globalMax, partialMax[s * nHeads + head]);
        float denominator = 0f;
        float numerator = 0f;
        for (int s = 0; s < splits; s++)
        {
            int state = s * nHeads + head;
            float weight = XMath.Exp(partialMax[state] - globalMax);
            denominator = KMath.Fma(weight, partialSum[state], denominator);
            numerator = KMath.Fma(weight, partialOutput[state * headDim + d], numerator);
        }
        return numerator / denominator;
    }

    [Kernel]
    static void Partial(
        [Extent("nHeads * headDim")] ArrayView<float> q,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> kCache,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> vCache,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> kCacheHalf,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> vCacheHalf,
        [Extent("splits * nHeads")] ArrayView<float> partialMax,
        [Extent("splits * nHeads")] ArrayView<float> partialSum,
        [Extent("splits * nHeads * headDim")] ArrayView<float> partialOutput,
        [Extent("nHeads")] ArrayView<int> arrivals,
        [Extent("nHeads * headDim")] ArrayView<float> output,
        int position,
        int nHeads,
        int nKvHeads,
        int cacheSlots,
        int window,
        int splits,
        int splitSize,
        [Specialize(8, 16, 32, 64, 128)] SpecializedValue<int> headDim,
        [Specialize(0, 1)] SpecializedValue<int> fp16Cache)
    {
        ArrayView<float> queryTile = SharedMemory.Allocate<float>(AttentionTiles.QueryTileElements);
        ArrayView<float> keyTile = SharedMemory.Allocate<float>(AttentionTiles.KeyTile * (headDim + 1));
        ArrayView<float> valueTile = SharedMemory.Allocate<float>(AttentionTiles.KeyTile * headDim);
        ArrayView<float> scores = SharedMemory.Allocate<float>(AttentionTiles.QueryTileElements / headDim * (AttentionTiles.KeyTile + 1));
        ArrayView<float> weights = SharedMemory.Allocate<float>(AttentionTiles.QueryTileElements / headDim * (AttentionTiles.KeyTile + 1));
        ArrayView<int> lastArrival = SharedMemory.Allocate<int>(1);

        int lane = Group.LinearIndex;
        int rowsPerTile = AttentionTiles.QueryTileElements / headDim;
        int lanesPerRow = headDim / AttentionTiles.DimsPerLane;
        int ratio = nHeads / nKvHeads;
        int kvHead = Grid.IdxY;
        int split = Grid.IdxZ;
        int firstRow = Grid.IdxX * rowsPerTile;
        int windowStart = KMath.Max(0, position - window + 1);
        int firstKey = windowStart + split * splitSize;
        int lastKey = KMath.Min(position, firstKey + splitSize - 1);
        float scale = XMath.Rsqrt((float)headDim);

        for (int e = lane; e < AttentionTiles.QueryTileElements; e += AttentionTiles.GroupLanes)
        {
            int row = firstRow + e / headDim;
            float value = 0f;
            if (row < ratio)
                value = q[(kvHead * ratio + row) * headDim + e % headDim] * scale;
            queryTile[e] = value;
        }

        int tileRow = lane / lanesPerRow;
        int dim = lane % lanesPerRow;
        int myRow = firstRow + tileRow;
        int myLastKey = myRow < ratio ? lastKey : -1;
        float runningMax = AttentionTiles.NoScore;
        float runningSum = 0f;
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;

        for (int tileStart = firstKey; tileStart <= lastKey; tileStart += AttentionTiles.KeyTile)
        {
            for (int e = lane; e < AttentionTiles.KeyTile * headDim; e += AttentionTiles.GroupLanes)
            {
                int key = tileStart + e / headDim;
                int d = e % headDim;
                float kValue = 0f;
                float vValue = 0f;
                if (key <= lastKey)
                {
                    int at = (kvHead * cacheSlots + key % cacheSlots) * headDim + d;
                    kValue = RotatingKvCache.Load(kCache, kCacheHalf, at, fp16Cache);
                    vValue = RotatingKvCache.Load(vCache, vCacheHalf, at, fp16Cache);
                }
                keyTile[e / headDim * (headDim + 1) + d] = kValue;
                valueTile[e] = vValue;
            }
            Group.Barrier();

            AttentionTiles.ScoreTile(queryTile, keyTile, scores, lane, ratio - firstRow, headDim);
            Group.Barrier();

            int to = KMath.Min(myLastKey, tileStart + AttentionTiles.KeyTile - 1);
            float newMax = AttentionTiles.WeighTile(scores, weights, tileRow, dim, lanesPerRow, tileStart, tileStart, to, runningMax);
            Group.Barrier();

            float rescale = XMath.Exp(runningMax - newMax);
            runningSum *= rescale;
            acc0 *= rescale;
            acc1 *= rescale;
            acc2 *= rescale;
            acc3 *= rescale;
            if (myRow < ratio)
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

        if (splits == 1)
        {
            if (myRow < ratio)
            {
                float inverse = 1f / runningSum;
                int at = (kvHead * ratio + myRow) * headDim + dim;
                output[at] = acc0 * inverse;
                output[at + lanesPerRow] = acc1 * inverse;
                output[at + 2 * lanesPerRow] = acc2 * inverse;
                output[at + 3 * lanesPerRow] = acc3 * inverse;
            }
        }
        else
        {
            if (myRow < ratio)
            {
                int state = split * nHeads + kvHead * ratio + myRow;
                if (dim == 0)
                {
                    partialMax[state] = runningMax;
                    partialSum[state] = runningSum;
                }
                int at = state * headDim + dim;
                partialOutput[at] = acc0;
                partialOutput[at + lanesPerRow] = acc1;
                partialOutput[at + 2 * lanesPerRow] = acc2;
                partialOutput[at + 3 * lanesPerRow] = acc3;
            }
            // Publish this group's states before counting its arrival; the group that arrives last merges the tile.
            int tile = kvHead * Grid.DimX + Grid.IdxX;
            MemoryFence.DeviceLevel();
            Group.Barrier();
            if (lane == 0) lastArrival[0] = Atomic.Add(ref arrivals[tile], 1) == splits - 1 ? 1 : 0;
            Group.Barrier();
            if (lastArrival[0] == 1)
            {
                MemoryFence.DeviceLevel();
                for (int e = lane; e < rowsPerTile * headDim; e += AttentionTiles.GroupLanes)
                {
                    int row = firstRow + e / headDim;
                    if (row < ratio)
                    {
                        int head = kvHead * ratio + row;
                        output[head * headDim + e % headDim] = MergeSplits(partialMax, partialSum, partialOutput, head, e % headDim, nHeads, splits, headDim);
                    }
                }
                if (lane == 0) arrivals[tile] = 0;
            }
        }
    }
}
