// Flash-decoding for CPU-like devices (PoCL, the C# CPU backend): the same split partial softmax as
// FlashDecoding.Partial, shaped for one core per group instead of 256 lanes per group.
//   m_s = max_j s_j,  l_s = Σ_j e^{s_j − m_s},  acc_s = Σ_j e^{s_j − m_s} v_j,   s_j = q·k_j / √d
// over the split's keys j, for every query head of one KV head's GQA group (up to RowTile of them).
//
// Hardware shape: a group is ONE lane, grid (row tiles, KV heads, splits). On a CPU a group is a loop on
// one core, so a group of one lane has no barriers, no warp emulation and no idle lanes; its loops are
// ordinary loops that PoCL's LLVM vectorises because each one either has independent iterations over
// head_dim (the P·V update, acc[d] += w·v[d]) or is written as independent partial sums (the Q·K dot product,
// 32 partials s0..s31 over d .. d+31, which PoCL's LLVM packs into independent FMA chains; a single 8-wide chain
// was latency-bound at ~4x the time). Each K row
// and each V row is read from memory exactly once and used for every query head of the group while it is
// in L1, so the K/V traffic is that of one head per GQA group. Keys are scored in blocks of KeyBlock, then
// the block's softmax update runs once per row (one rescale of the accumulators per block, not per key).
// Weights below e^-87 are clamped to e^-87 (≈ 1.6e-38, negligible against l ≥ 1) so no denormal ever
// enters the accumulators: denormal arithmetic costs ~100 cycles per operation on x86 and made the cost
// of a step depend on the data.
// With a single split the group normalises and writes the output itself; with several, the group that finishes a
// tile's last split merges them (FlashDecoding.MergeSplits, the last-arrival count of FlashDecoding.cs).
// On the C# CPU backend AttentionCpuBody runs the same algorithm with Vector256/Vector512 instead of the
// lanes. fp16 caches ([Specialize] fp16Cache = 1) are read through kCacheHalf/vCacheHalf; the fp32 views are then
// 1-element placeholders, and the other way round. An fp16 block's K and V rows are first widened into group
// memory, so the conversion is paid once per element, not once per query row.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Atomic = ILGPU.Atomic;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels;

public static partial class FlashDecoding
{
    /// <summary>Query heads one group of <see cref="PartialRows"/> handles.</summary>
    public const int RowTile = 8;

    /// <summary>Keys <see cref="PartialRows"/> scores before each softmax update.</summary>
    public const int KeyBlock = 16;

    /// <summary>The smallest exponent a softmax weight is given: e^-87 is still a normal float.</summary>
    public const float MinExponent = -87f;

    /// <summary>Σ a[aAt + d]·b[bAt + d] over d &lt; n (n a multiple of 8): 32 partial sums (four independent 8-wide FMA chains
    /// once vectorised) when n ≥ 32, else 8; then a fixed pairwise tree. b is a row widened into group memory (fp16
    /// cache) or a row of the fp32 cache read in place.</summary>
    [KernelHelper]
    internal static float RowDot(ArrayView<float> a, int aAt, ArrayView<float> b, int bAt, int n)
    {
        float score = 0f;
        if (n >= 32)
        {
            float s0 = 0f; float s1 = 0f; float s2 = 0f; float s3 = 0f; float s4 = 0f; float s5 = 0f; float s6 = 0f; float s7 = 0f;
            float s8 = 0f; float s9 = 0f; float s10 = 0f; float s11 = 0f; float s12 = 0f; float s13 = 0f; float s14 = 0f; float s15 = 0f;
            float s16 = 0f; float s17 = 0f; float s18 = 0f; float s19 = 0f; float s20 = 0f; float s21 = 0f; float s22 = 0f; float s23 = 0f;
            float s24 = 0f; float s25 = 0f; float s26 = 0f; float s27 = 0f; float s28 = 0f; float s29 = 0f; float s30 = 0f; float s31 = 0f;
            for (int d = 0; d < n; d += 32)
            {
                s0 = KMath.Fma(a[aAt + d + 0], b[bAt + d + 0], s0);
                s1 = KMath.Fma(a[aAt + d + 1], b[bAt + d + 1], s1);
                s2 = KMath.Fma(a[aAt + d + 2], b[bAt + d + 2], s2);
                s3 = KMath.Fma(a[aAt + d + 3], b[bAt + d + 3], s3);
                s4 = KMath.Fma(a[aAt + d + 4], b[bAt + d + 4], s4);
                s5 = KMath.Fma(a[aAt + d + 5], b[bAt + d + 5], s5);
                s6 = KMath.Fma(a[aAt + d + 6], b[bAt + d + 6], s6);
                s7 = KMath.Fma(a[aAt + d + 7], b[bAt + d + 7], s7);
                s8 = KMath.Fma(a[aAt + d + 8], b[bAt + d + 8], s8);
                s9 = KMath.Fma(a[aAt + d + 9], b[bAt + d + 9], s9);
                s10 = KMath.Fma(a[aAt + d + 10], b[bAt + d + 10], s10);
                s11 = KMath.Fma(a[aAt + d + 11], b[bAt + d + 11], s11);
                s12 = KMath.Fma(a[aAt + d + 12], b[bAt + d + 12], s12);
                s13 = KMath.Fma(a[aAt + d + 13], b[bAt + d + 13], s13);
                s14 = KMath.Fma(a[aAt + d + 14], b[bAt + d + 14], s14);
                s15 = KMath.Fma(a[aAt + d + 15], b[bAt + d + 15], s15);
                s16 = KMath.Fma(a[aAt + d + 16], b[bAt + d + 16], s16);
                s17 = KMath.Fma(a[aAt + d + 17], b[bAt + d + 17], s17);
                s18 = KMath.Fma(a[aAt + d + 18], b[bAt + d + 18], s18);
                s19 = KMath.Fma(a[aAt + d + 19], b[bAt + d + 19], s19);
                s20 = KMath.Fma(a[aAt + d + 20], b[bAt + d + 20], s20);
                s21 = KMath.Fma(a[aAt + d + 21], b[bAt + d + 21], s21);
                s22 = KMath.Fma(a[aAt + d + 22], b[bAt + d + 22], s22);
                s23 = KMath.Fma(a[aAt + d + 23], b[bAt + d + 23], s23);
                s24 = KMath.Fma(a[aAt + d + 24], b[bAt + d + 24], s24);
                s25 = KMath.Fma(a[aAt + d + 25], b[bAt + d + 25], s25);
                s26 = KMath.Fma(a[aAt + d + 26], b[bAt + d + 26], s26);
                s27 = KMath.Fma(a[aAt + d + 27], b[bAt + d + 27], s27);
                s28 = KMath.Fma(a[aAt + d + 28], b[bAt + d + 28], s28);
                s29 = KMath.Fma(a[aAt + d + 29], b[bAt + d + 29], s29);
                s30 = KMath.Fma(a[aAt + d + 30], b[bAt + d + 30], s30);
                s31 = KMath.Fma(a[aAt + d + 31], b[bAt + d + 31], s31);
            }
            float t0 = (s0 + s8) + (s16 + s24);
            float t1 = (s1 + s9) + (s17 + s25);
            float t2 = (s2 + s10) + (s18 + s26);
            float t3 = (s3 + s11) + (s19 + s27);
            float t4 = (s4 + s12) + (s20 + s28);
            float t5 = (s5 + s13) + (s21 + s29);
            float t6 = (s6 + s14) + (s22 + s30);
            float t7 = (s7 + s15) + (s23 + s31);
            score = ((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7));
        }
        else
        {
            float s0 = 0f; float s1 = 0f; float s2 = 0f; float s3 = 0f; float s4 = 0f; float s5 = 0f; float s6 = 0f; float s7 = 0f;
            for (int d = 0; d < n; d += 8)
            {
                s0 = KMath.Fma(a[aAt + d + 0], b[bAt + d + 0], s0);
                s1 = KMath.Fma(a[aAt + d + 1], b[bAt + d + 1], s1);
                s2 = KMath.Fma(a[aAt + d + 2], b[bAt + d + 2], s2);
                s3 = KMath.Fma(a[aAt + d + 3], b[bAt + d + 3], s3);
                s4 = KMath.Fma(a[aAt + d + 4], b[bAt + d + 4], s4);
                s5 = KMath.Fma(a[aAt + d + 5], b[bAt + d + 5], s5);
                s6 = KMath.Fma(a[aAt + d + 6], b[bAt + d + 6], s6);
                s7 = KMath.Fma(a[aAt + d + 7], b[bAt + d + 7], s7);
            }
            score = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        }
        return score;
    }

    /// <summary>acc[accAt + d] += w·v[vAt + d] for d &lt; n: independent iterations, vectorised. v is in group or global
    /// memory, like <see cref="RowDot"/>'s b.</summary>
    [KernelHelper]
    internal static void AddWeighted(ArrayView<float> acc, int accAt, float w, ArrayView<float> v, int vAt, int n)
    {
        for (int d = 0; d < n; d++) acc[accAt + d] = KMath.Fma(w, v[vAt + d], acc[accAt + d]);
    }

    [Kernel]
    [CpuGroupBody(typeof(AttentionCpuBody), nameof(AttentionCpuBody.PartialRows))]
    static void PartialRows(
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
        ArrayView<float> query = SharedMemory.Allocate<float>(RowTile * headDim);
        ArrayView<float> acc = SharedMemory.Allocate<float>(RowTile * headDim);
        ArrayView<float> keyBlock = SharedMemory.Allocate<float>(KeyBlock * headDim);
        ArrayView<float> valueBlock = SharedMemory.Allocate<float>(KeyBlock * headDim);
        ArrayView<float> scores = SharedMemory.Allocate<float>(RowTile * KeyBlock);
        ArrayView<float> runningMax = SharedMemory.Allocate<float>(RowTile);
        ArrayView<float> runningSum = SharedMemory.Allocate<float>(RowTile);

        int ratio = nHeads / nKvHeads;
        int kvHead = Grid.IdxY;
        int split = Grid.IdxZ;
        int firstHead = kvHead * ratio + Grid.IdxX * RowTile;
        int rows = KMath.Min(RowTile, ratio - Grid.IdxX * RowTile);
        int windowStart = KMath.Max(0, position - window + 1);
        int firstKey = windowStart + split * splitSize;
        int lastKey = KMath.Min(position, firstKey + splitSize - 1);
        float scale = XMath.Rsqrt((float)headDim);

        for (int r = 0; r < rows; r++)
        {
            for (int d = 0; d < headDim; d++)
            {
                query[r * headDim + d] = q[(firstHead + r) * headDim + d] * scale;
                acc[r * headDim + d] = 0f;
            }
            runningMax[r] = AttentionTiles.NoScore;
            runningSum[r] = 0f;
        }

        for (int blockStart = firstKey; blockStart <= lastKey; blockStart += KeyBlock)
        {
            int count = KMath.Min(KeyBlock, lastKey - blockStart + 1);
            // An fp16 block's K and V rows are widened once into group memory, so every row of the tile reads floats
            // from L1; fp32 rows are read in place (a staging copy cost ~30 % at 4096 keys, memory-bound).
            if (fp16Cache == 1)
            {
                for (int j = 0; j < count; j++)
                {
                    int at = (kvHead * cacheSlots + (blockStart + j) % cacheSlots) * headDim;
                    for (int d = 0; d < headDim; d++)
                    {
                        keyBlock[j * headDim + d] = (float)kCacheHalf[at + d];
                        valueBlock[j * headDim + d] = (float)vCacheHalf[at + d];
                    }
                }
                for (int j = 0; j < count; j++)
                    for (int r = 0; r < rows; r++)
                        scores[r * KeyBlock + j] = RowDot(query, r * headDim, keyBlock, j * headDim, headDim);
            }
            else
            {
                for (int j = 0; j < count; j++)
                {
                    int at = (kvHead * cacheSlots + (blockStart + j) % cacheSlots) * headDim;
                    for (int r = 0; r < rows; r++)
                        scores[r * KeyBlock + j] = RowDot(query, r * headDim, kCache, at, headDim);
                }
            }

            for (int r = 0; r < rows; r++)
            {
                float blockMax = AttentionTiles.NoScore;
                for (int j = 0; j < count; j++) blockMax = KMath.Max(blockMax, scores[r * KeyBlock + j]);
                float oldMax = runningMax[r];
                float newMax = KMath.Max(oldMax, blockMax);
                for (int j = 0; j < count; j++)
                    scores[r * KeyBlock + j] = XMath.Exp(KMath.Max(scores[r * KeyBlock + j] - newMax, MinExponent));
                float sum = 0f;
                for (int j = 0; j < count; j++) sum += scores[r * KeyBlock + j];
                if (newMax > oldMax)
                {
                    float rescale = XMath.Exp(KMath.Max(oldMax - newMax, MinExponent));
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
            {
                int at = (kvHead * cacheSlots + (blockStart + j) % cacheSlots) * headDim;
                for (int r = 0; r < rows; r++)
                {
                    if (fp16Cache == 1) AddWeighted(acc, r * headDim, scores[r * KeyBlock + j], valueBlock, j * headDim, headDim);
                    else AddWeighted(acc, r * headDim, scores[r * KeyBlock + j], vCache, at, headDim);
                }
            }
        }

        for (int r = 0; r < rows; r++)
        {
            int head = firstHead + r;
            if (splits == 1)
            {
                float inverse = 1f / runningSum[r];
                for (int d = 0; d < headDim; d++) output[head * headDim + d] = acc[r * headDim + d] * inverse;
            }
            else
            {
                int state = split * nHeads + head;
                partialMax[state] = runningMax[r];
                partialSum[state] = runningSum[r];
                for (int d = 0; d < headDim; d++) partialOutput[state * headDim + d] = acc[r * headDim + d];
            }
        }
        if (splits > 1)
        {
            int tile = kvHead * Grid.DimX + Grid.IdxX;
            MemoryFence.DeviceLevel();
            if (Atomic.Add(ref arrivals[tile], 1) == splits - 1)
            {
                MemoryFence.DeviceLevel();
                for (int r = 0; r < rows; r++)
                    for (int d = 0; d < headDim; d++)
                        output[(firstHead + r) * headDim + d] = MergeSplits(partialMax, partialSum, partialOutput, firstHead + r, d, nHeads, splits, headDim);
                arrivals[tile] = 0;
            }
        }
    }
}
