// The CPU backend's bodies of FlashDecoding.PartialRows (with its last-arrival merge) and FlashAttentionPrefill.Rows:
// the same split / online softmax as the lanes, eight floats per instruction (AVX2 + FMA), sixteen where AVX-512
// exists and head_dim is a multiple of 16.
//
// Per group (row tile, KV head[, split]) and per block of KeyBlock keys (the products in AttentionCpuProducts.cs, the
// online softmax in AttentionCpuSoftmax.cs):
//   K/V rows: pointers into the fp32 cache, the fp16 cache (decode: widened in registers where used; prefill, whose
//           tiles hold up to 16 rows, widens a block once into floats) or the chunk; decode prefetches two blocks on;
//   scores: four query rows at a time (the tile is padded to a multiple of four with zero queries), against four keys
//           at a time with one reduction tree where 512-bit vectors run, one key at a time otherwise;
//   softmax: per row the block max over the keys in its window, the weights e^(s - m) with a vectorised exp, keys
//           outside the row's window weight 0, the rescale of the accumulators only when the max grew;
//   P·V: the four rows' accumulators for 64 dims (512-bit) or two vectors of dims held in registers while the
//        block's value rows stream past.
// The one-key and two-vector loops are written once over IFloatLanes (kernels/Cpu/FloatLanes.cs) and compiled per
// width; the 4x4 tiles are 512-bit only (sixteen accumulators and their operands outnumber AVX2's sixteen registers).
// The K/V cache is head-major ([NKvHeads, CacheSlots, HeadDim]), so a group streams two contiguous runs.
//
// Exactness: the same operations as the lanes in a different summation order (dot products in partial vectors,
// sums across lanes) and an exp within a few ulp of the lanes': results differ by float rounding only.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Kernels;

/// <summary>Vectorised CPU implementations of the CPU-shaped attention kernels (see <see cref="CpuGroupBodyAttribute"/>).</summary>
internal static unsafe partial class AttentionCpuBody
{
    /// <summary>Whether the vector path may run (tests turn it off to compare with the lanes in one process).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Whether the 512-bit loops may run where AVX-512 exists (tests pin the 256-bit path to check both on one machine).</summary>
    internal static bool AllowAvx512 { get; set; } = true;

    private static bool Wide(int headDim) => AllowAvx512 && Avx512F.IsSupported && headDim % 16 == 0;

    /// <summary>Whether this machine has the instructions the bodies use (AVX2 and FMA); otherwise the lanes run.</summary>
    public static bool IsAccelerated => Enabled && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>The group body of <c>FlashDecoding.PartialRows</c>.</summary>
    /// <returns>False when the vector path cannot run here, so the lanes run instead.</returns>
    // Fully optimised from the first call: a decode step calls it a few dozen times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool PartialRows(CpuGroup group, ReadOnlyView<float> q, ReadOnlyView<float> kCache, ReadOnlyView<float> vCache,
        ReadOnlyView<Half> kCacheHalf, ReadOnlyView<Half> vCacheHalf, View<float> partialMax, View<float> partialSum, View<float> partialOutput,
        View<int> arrivals, View<float> output, int position, int nHeads, int nKvHeads, int cacheSlots, int window, int splits, int splitSize, int headDim, int fp16Cache)
    {
        if (!IsAccelerated || headDim % 8 != 0) return false;
        const int rowTile = FlashDecoding.RowTile, keyBlock = FlashDecoding.KeyBlock;
        int ratio = nHeads / nKvHeads;
        int kvHead = group.GroupId.Y;
        int split = group.GroupId.Z;
        int firstHead = kvHead * ratio + group.GroupId.X * rowTile;
        int rows = Math.Min(rowTile, ratio - group.GroupId.X * rowTile);
        int windowStart = Math.Max(0, position - window + 1);
        int firstKey = windowStart + split * splitSize;
        int lastKey = Math.Min(position, firstKey + splitSize - 1);
        float scale = 1f / MathF.Sqrt(headDim);
        bool half = fp16Cache == 1;
        float* keys = half ? null : Address(kCache.AsSpan());
        float* values = half ? null : Address(vCache.AsSpan());
        ushort* keysHalf = half ? (ushort*)Address(kCacheHalf.AsSpan()) : null;
        ushort* valuesHalf = half ? (ushort*)Address(vCacheHalf.AsSpan()) : null;
        long headBase = (long)kvHead * cacheSlots * headDim;

        // Rows are padded to a multiple of four with zero queries and zero weights, so the P·V and Q·K loops always
        // run four rows at a time; padded rows' results are never written out.
        int paddedRows = (rows + 3) / 4 * 4;
        float* query = stackalloc float[rowTile * headDim];
        float* acc = stackalloc float[rowTile * headDim];
        float* scores = stackalloc float[rowTile * keyBlock];
        float* runningMax = stackalloc float[rowTile];
        float* runningSum = stackalloc float[rowTile];
        void** keyRows = stackalloc void*[keyBlock];
        void** valueRows = stackalloc void*[keyBlock];
        float* qIn = Address(q.AsSpan());
        for (int r = 0; r < paddedRows; r++)
            StartRow(r, r < rows ? qIn + (firstHead + r) * headDim : null, scale, headDim, query, acc, runningMax, runningSum);
        for (int i = 0; i < rowTile * keyBlock; i++) scores[i] = 0f;

        var block = new DecodeBlock(query, acc, scores, runningMax, runningSum, keyRows, valueRows, rows, paddedRows, headDim);
        int rowBytes = headDim * (half ? sizeof(ushort) : sizeof(float));
        for (int blockStart = firstKey; blockStart <= lastKey; blockStart += keyBlock)
        {
            int count = Math.Min(keyBlock, lastKey - blockStart + 1);
            for (int j = 0; j < count; j++)
            {
                long at = headBase + (long)((blockStart + j) % cacheSlots) * headDim;
                keyRows[j] = half ? keysHalf + at : keys + at;
                valueRows[j] = half ? valuesHalf + at : values + at;
            }
            // The rows PrefetchBlocks blocks on are requested now: the hardware's streamer stops at every 4 KiB page (a
            // block's K or V rows), and without this a core computes, then waits for memory, then computes.
            int ahead = blockStart + PrefetchBlocks * keyBlock, aheadCount = Math.Min(keyBlock, lastKey - ahead + 1);
            for (int j = 0; j < aheadCount; j++)
            {
                long at = headBase + (long)((ahead + j) % cacheSlots) * headDim;
                Prefetch(half ? (byte*)(keysHalf + at) : (byte*)(keys + at), rowBytes);
                Prefetch(half ? (byte*)(valuesHalf + at) : (byte*)(values + at), rowBytes);
            }
            // Each fp16 element is widened in registers where it is used, once: the rows are read once per four query rows.
            if (half) block.Run<Fp16Elements>(count);
            else block.Run<Fp32Elements>(count);
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
        // The group that finishes the tile's last split merges them (Interlocked's full fences order the states).
        int tile = kvHead * group.GroupCount.X + group.GroupId.X;
        if (splits > 1 && Interlocked.Increment(ref arrivals[tile]) == splits)
        {
            for (int r = 0; r < rows; r++) MergeSplits(partialMax, partialSum, partialOutput, output, firstHead + r, nHeads, splits, headDim);
            Volatile.Write(ref arrivals[tile], 0);
        }
        return true;
    }

    /// <summary>The group body of <c>FlashAttentionPrefill.Rows</c>.</summary>
    /// <returns>False when the vector path cannot run here, so the lanes run instead.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool PrefillRows(CpuGroup group, ReadOnlyView<float> q, ReadOnlyView<float> k, ReadOnlyView<float> v,
        ReadOnlyView<float> kCache, ReadOnlyView<float> vCache, ReadOnlyView<Half> kCacheHalf, ReadOnlyView<Half> vCacheHalf,
        View<float> output, int tokens, int startPos, int nHeads, int nKvHeads, int cacheSlots, int window, int headDim, int fp16Cache)
    {
        if (!IsAccelerated || headDim % 8 != 0) return false;
        const int rowTile = FlashAttentionPrefill.RowTile, keyBlock = FlashDecoding.KeyBlock;
        int ratio = nHeads / nKvHeads;
        int kvHead = group.GroupId.Y;
        int firstRow = group.GroupId.X * rowTile;
        int rows = Math.Min(rowTile, tokens * ratio - firstRow);
        if (rows <= 0) return true;
        int firstPos = startPos + firstRow / ratio;
        int lastPos = startPos + (firstRow + rows - 1) / ratio;
        int keyStart = Math.Max(0, firstPos - window + 1);
        float scale = 1f / MathF.Sqrt(headDim);
        bool half = fp16Cache == 1;
        float* keys = half ? null : Address(kCache.AsSpan());
        float* values = half ? null : Address(vCache.AsSpan());
        ushort* keysHalf = half ? (ushort*)Address(kCacheHalf.AsSpan()) : null;
        ushort* valuesHalf = half ? (ushort*)Address(vCacheHalf.AsSpan()) : null;
        float* chunkKeys = Address(k.AsSpan()), chunkValues = Address(v.AsSpan()), qIn = Address(q.AsSpan());
        float* result = Address((ReadOnlySpan<float>)output.AsSpan());
        long headBase = (long)kvHead * cacheSlots * headDim;

        int paddedRows = (rows + 3) / 4 * 4;
        float* query = stackalloc float[rowTile * headDim];
        float* acc = stackalloc float[rowTile * headDim];
        float* scores = stackalloc float[rowTile * keyBlock];
        float* runningMax = stackalloc float[rowTile];
        float* runningSum = stackalloc float[rowTile];
        float* widenedKeys = stackalloc float[half ? keyBlock * headDim : 1];
        float* widenedValues = stackalloc float[half ? keyBlock * headDim : 1];
        void** keyRows = stackalloc void*[keyBlock];
        void** valueRows = stackalloc void*[keyBlock];
        for (int r = 0; r < paddedRows; r++)
        {
            int row = firstRow + r;
            float* source = r < rows ? qIn + (long)(row / ratio * nHeads + kvHead * ratio + row % ratio) * headDim : null;
            StartRow(r, source, scale, headDim, query, acc, runningMax, runningSum);
        }

        for (int blockStart = keyStart; blockStart <= lastPos; blockStart += keyBlock)
        {
            int count = Math.Min(keyBlock, lastPos - blockStart + 1);
            for (int j = 0; j < count; j++)
            {
                int key = blockStart + j;
                if (key >= startPos)
                {
                    long at = ((long)(key - startPos) * nKvHeads + kvHead) * headDim;
                    keyRows[j] = chunkKeys + at;
                    valueRows[j] = chunkValues + at;
                }
                else
                {
                    long at = headBase + (long)(key % cacheSlots) * headDim;
                    keyRows[j] = half ? Widen(keysHalf + at, widenedKeys + j * headDim, headDim) : keys + at;
                    valueRows[j] = half ? Widen(valuesHalf + at, widenedValues + j * headDim, headDim) : values + at;
                }
            }
            // Prefill tiles have up to 16 rows, so fp16 rows are widened once into floats for all of them.
            for (int r = 0; r < paddedRows; r += 4)
                Scores<Fp32Elements>(query + r * headDim, headDim, keyRows, count, scores + r * keyBlock, keyBlock);

            for (int r = 0; r < rows; r++)
            {
                int position = startPos + (firstRow + r) / ratio;
                int from = Math.Max(Math.Max(0, position - window + 1), blockStart) - blockStart;
                int to = Math.Min(position, blockStart + count - 1) - blockStart;
                UpdateRow(scores + r * keyBlock, count, from, to, runningMax + r, runningSum + r, acc + r * headDim, headDim);
            }
            // Padded rows have zero queries, so zero scores, never exponentiated: weight 0.
            for (int r = 0; r < paddedRows; r += 4)
                AddWeighted4<Fp32Elements>(acc + r * headDim, headDim, scores + r * keyBlock, keyBlock, valueRows, count);
        }

        for (int r = 0; r < rows; r++)
        {
            int row = firstRow + r;
            int head = kvHead * ratio + row % ratio;
            float inverse = 1f / runningSum[r];
            float* to = result + (long)(row / ratio * nHeads + head) * headDim;
            for (int d = 0; d < headDim; d++) to[d] = acc[r * headDim + d] * inverse;
        }
        return true;
    }

    /// <summary>
    /// One decode group's state for a block of keys: the scores of every row against the block's K rows, each row's
    /// online-softmax step (every key of a split is inside every row's window), then the weighted V rows added.
    /// </summary>
    private readonly struct DecodeBlock(float* query, float* acc, float* scores, float* runningMax, float* runningSum,
        void** keyRows, void** valueRows, int rows, int paddedRows, int headDim)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<TElements>(int count) where TElements : struct, IKvElements
        {
            const int keyBlock = FlashDecoding.KeyBlock;
            for (int r = 0; r < paddedRows; r += 4)
                Scores<TElements>(query + r * headDim, headDim, keyRows, count, scores + r * keyBlock, keyBlock);
            for (int r = 0; r < rows; r++)
                UpdateRow(scores + r * keyBlock, count, 0, count - 1, runningMax + r, runningSum + r, acc + r * headDim, headDim);
            // Padded rows have zero queries, so zero scores, which are never exponentiated: weight 0, they add nothing.
            for (int r = 0; r < paddedRows; r += 4)
                AddWeighted4<TElements>(acc + r * headDim, headDim, scores + r * keyBlock, keyBlock, valueRows, count);
        }
    }

    /// <summary>One head's output merged from its splits' states (FlashDecoding.MergeSplits), all its dims at once.</summary>
    private static void MergeSplits(View<float> partialMax, View<float> partialSum, View<float> partialOutput, View<float> output,
        int head, int nHeads, int splits, int headDim)
    {
        float* partials = Address((ReadOnlySpan<float>)partialOutput.AsSpan());
        float* result = Address((ReadOnlySpan<float>)output.AsSpan()) + head * headDim;
        float globalMax = AttentionTiles.NoScore;
        for (int s = 0; s < splits; s++) globalMax = MathF.Max(globalMax, partialMax[s * nHeads + head]);
        float denominator = 0f;
        for (int d = 0; d < headDim; d += 8) Vector256<float>.Zero.Store(result + d);
        for (int s = 0; s < splits; s++)
        {
            int state = s * nHeads + head;
            float weight = MathF.Exp(partialMax[state] - globalMax);
            denominator = MathF.FusedMultiplyAdd(weight, partialSum[state], denominator);
            AddScaled(result, weight, partials + (long)state * headDim, headDim);
        }
        Scale(result, 1f / denominator, headDim);
    }

    // Views on the CPU backend wrap native memory, which the GC never moves.
    private static T* Address<T>(ReadOnlySpan<T> span) where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    /// <summary>A row's query (scaled; zeros for a padding row, <paramref name="source"/> null) and its empty softmax state.</summary>
    private static void StartRow(int r, float* source, float scale, int headDim, float* query, float* acc, float* runningMax, float* runningSum)
    {
        for (int d = 0; d < headDim; d++)
        {
            query[r * headDim + d] = source != null ? source[d] * scale : 0f;
            acc[r * headDim + d] = 0f;
        }
        runningMax[r] = AttentionTiles.NoScore;
        runningSum[r] = 0f;
    }

    /// <summary>Widens <paramref name="n"/> IEEE halves to floats in <paramref name="destination"/> (exact), returning it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Widen(ushort* source, float* destination, int n)
    {
        int d = 0;
        // Sixteen at a time where AVX-512 exists: the conversion is most of the work of an fp16 cache.
        if (Wide(n))
            for (; d + 16 <= n; d += 16) HalfVectors.Load16(source + d).Store(destination + d);
        for (; d < n; d += 8) HalfVectors.Load8(source + d).Store(destination + d);
        return destination;
    }
}
