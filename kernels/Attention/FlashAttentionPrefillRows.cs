// Causal sliding-window prefill for CPU-like devices (PoCL, the C# CPU backend): what FlashAttentionPrefill.Tile
// computes (same rule: query i attends keys j with i − W < j ≤ i, from the cache for j < startPos and from the
// chunk's own k/v otherwise; fp32 online softmax), shaped for one core per group.
//
// Hardware shape: a group is ONE lane, grid (row tiles, KV heads); a row is (token, query head of the KV head's
// GQA group), token-major, RowTile rows per group (4 tokens x 4 heads for Mistral 7B). Per block of KeyBlock keys
// the group stages the K and V rows (from the cache, widened from fp16 once, or from the chunk) in group memory,
// scores every row against them (FlashDecoding.RowDot: independent partial sums PoCL vectorises), updates each
// row's softmax over the keys in its own window (keys outside get weight exactly 0), and adds the weighted V rows
// (FlashDecoding.AddWeighted). So each K/V row is read once per group and used by all its rows, with no barriers,
// warp emulation or idle lanes: the 256-lane Tile kernel ran at ~5 GFLOP/s on PoCL here (1.7 s for 128 tokens
// after 4096), a loop of one lane per group at the speed of its vectorised loops.
// On the C# CPU backend AttentionCpuBody.PrefillRows runs the same algorithm with Vector256 instead of the lanes.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels;

public static partial class FlashAttentionPrefill
{
    /// <summary>Query rows (token, head) one group of <see cref="Rows"/> handles.</summary>
    public const int RowTile = 16;

    [Kernel]
    [CpuGroupBody(typeof(AttentionCpuBody), nameof(AttentionCpuBody.PrefillRows))]
    static void Rows(
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
        ArrayView<float> query = SharedMemory.Allocate<float>(RowTile * headDim);
        ArrayView<float> acc = SharedMemory.Allocate<float>(RowTile * headDim);
        ArrayView<float> keyBlock = SharedMemory.Allocate<float>(FlashDecoding.KeyBlock * headDim);
        ArrayView<float> valueBlock = SharedMemory.Allocate<float>(FlashDecoding.KeyBlock * headDim);
        ArrayView<float> scores = SharedMemory.Allocate<float>(RowTile * FlashDecoding.KeyBlock);
        ArrayView<float> runningMax = SharedMemory.Allocate<float>(RowTile);
        ArrayView<float> runningSum = SharedMemory.Allocate<float>(RowTile);

        int keyBlockSize = FlashDecoding.KeyBlock;
        int ratio = nHeads / nKvHeads;
        int kvHead = Grid.IdxY;
        int firstRow = Grid.IdxX * RowTile;
        int rows = KMath.Min(RowTile, tokens * ratio - firstRow);
        int firstPos = startPos + firstRow / ratio;
        int lastPos = startPos + (firstRow + rows - 1) / ratio;
        int keyStart = KMath.Max(0, firstPos - window + 1);
        float scale = XMath.Rsqrt((float)headDim);

        for (int r = 0; r < rows; r++)
        {
            int row = firstRow + r;
            int head = kvHead * ratio + row % ratio;
            for (int d = 0; d < headDim; d++)
            {
                query[r * headDim + d] = q[(row / ratio * nHeads + head) * headDim + d] * scale;
                acc[r * headDim + d] = 0f;
            }
            runningMax[r] = AttentionTiles.NoScore;
            runningSum[r] = 0f;
        }

        for (int blockStart = keyStart; blockStart <= lastPos; blockStart += keyBlockSize)
        {
            int count = KMath.Min(keyBlockSize, lastPos - blockStart + 1);
            for (int j = 0; j < count; j++)
            {
                int key = blockStart + j;
                if (key < startPos)
                {
                    int at = (kvHead * cacheSlots + key % cacheSlots) * headDim;
                    for (int d = 0; d < headDim; d++)
                    {
                        keyBlock[j * headDim + d] = RotatingKvCache.Load(kCache, kCacheHalf, at + d, fp16Cache);
                        valueBlock[j * headDim + d] = RotatingKvCache.Load(vCache, vCacheHalf, at + d, fp16Cache);
                    }
                }
                else
                {
                    int at = ((key - startPos) * nKvHeads + kvHead) * headDim;
                    for (int d = 0; d < headDim; d++)
                    {
                        keyBlock[j * headDim + d] = k[at + d];
                        valueBlock[j * headDim + d] = v[at + d];
                    }
                }
            }
            for (int j = 0; j < count; j++)
                for (int r = 0; r < rows; r++)
                    scores[r * keyBlockSize + j] = FlashDecoding.RowDot(query, r * headDim, keyBlock, j * headDim, headDim);

            for (int r = 0; r < rows; r++)
            {
                // This row's keys in the block: its window (position − W, position], clipped to the block.
                int position = startPos + (firstRow + r) / ratio;
                int from = KMath.Max(KMath.Max(0, position - window + 1), blockStart) - blockStart;
                int to = KMath.Min(position, blockStart + count - 1) - blockStart;
                float blockMax = AttentionTiles.NoScore;
                for (int j = from; j <= to; j++) blockMax = KMath.Max(blockMax, scores[r * keyBlockSize + j]);
                float oldMax = runningMax[r];
                float newMax = KMath.Max(oldMax, blockMax);
                for (int j = 0; j < count; j++)
                {
                    float weight = 0f;
                    if (j >= from && j <= to)
                        weight = XMath.Exp(KMath.Max(scores[r * keyBlockSize + j] - newMax, FlashDecoding.MinExponent));
                    scores[r * keyBlockSize + j] = weight;
                }
                float sum = 0f;
                for (int j = 0; j < count; j++) sum += scores[r * keyBlockSize + j];
                if (newMax > oldMax)
                {
                    float rescale = XMath.Exp(KMath.Max(oldMax - newMax, FlashDecoding.MinExponent));
                    for (int d = 0; d < headDim; d++) acc[r * headDim + d] *= rescale;
                    runningSum[r] = KMath.Fma(runningSum[r], rescale, sum);
                }
                else
                {
                    runningSum[r] += sum;
                }
                runningMax[r] = newMax;
            }

            for (int j = 0; j < count; j++)
                for (int r = 0; r < rows; r++)
                    FlashDecoding.AddWeighted(acc, r * headDim, scores[r * keyBlockSize + j], valueBlock, j * headDim, headDim);
        }

        for (int r = 0; r < rows; r++)
        {
            int row = firstRow + r;
            int head = kvHead * ratio + row % ratio;
            float inverse = 1f / runningSum[r];
            for (int d = 0; d < headDim; d++) output[(row / ratio * nHeads + head) * headDim + d] = acc[r * headDim + d] * inverse;
        }
    }
}
