// The CPU backend's bodies of FlashDecoding.PartialRows (with its last-arrival merge) and FlashAttentionPrefill.Rows:
// the same split / online softmax as the lanes, eight floats per instruction (AVX2 + FMA), sixteen where AVX-512
// exists and head_dim is a multiple of 16.
//
// Per group (row tile, KV head[, split]) and per block of KeyBlock keys:
//   K/V rows: pointers into the fp32 cache or the chunk, or rows widened once from the fp16 cache;
//   scores: every key row against four query rows at a time (four independent 8-wide FMA chains sharing the
//           key loads; the tile is padded to a multiple of four rows with zero queries);
//   softmax: per row the block max over the keys in its window, the weights e^(s - m) with a vectorised exp
//           (Cephes' degree-6 polynomial, ~1 ulp; arguments clamped to -87 like the lanes, so no denormal), keys
//           outside the row's window weight 0, the rescale of the accumulators only when the max grew;
//   P·V: two vectors of dims (16 or 32) of four rows held in registers while the block's value rows stream past.
// Each loop is written once over IFloatLanes (kernels/Cpu/FloatLanes.cs) and compiled per width.
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
internal static unsafe class AttentionCpuBody
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

    /// <summary>
    /// One row's online-softmax step over a block of <paramref name="count"/> scores of which keys
    /// <paramref name="from"/>..<paramref name="to"/> are in its window: the scores become the weights e^(s − m_new)
    /// (0 outside the window), the running sum takes them, and the accumulator is rescaled when the max grew.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(float* s, int count, int from, int to, float* runningMax, float* runningSum, float* acc, int headDim)
    {
        if (from > to)
        {
            for (int j = 0; j < count; j++) s[j] = 0f;
            return;
        }
        float blockMax = BlockMax(s + from, to - from + 1);
        float oldMax = *runningMax;
        float newMax = MathF.Max(oldMax, blockMax);
        for (int j = 0; j < from; j++) s[j] = 0f;
        for (int j = to + 1; j < count; j++) s[j] = 0f;
        float sum = ExpShifted(s + from, to - from + 1, newMax);
        if (newMax > oldMax)
        {
            float rescale = MathF.Exp(MathF.Max(oldMax - newMax, FlashDecoding.MinExponent));
            Scale(acc, rescale, headDim);
            *runningSum = MathF.FusedMultiplyAdd(*runningSum, rescale, sum);
        }
        else
        {
            *runningSum += sum;
        }
        *runningMax = newMax;
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
    /// The largest of <paramref name="count"/> scores, eight at a time (vmaxps; MathF.Max's NaN handling costs three
    /// instructions a score, in one dependent chain). A NaN score still reaches the output through its own weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BlockMax(float* s, int count)
    {
        int j = 0;
        float max = AttentionTiles.NoScore;
        if (count >= 8)
        {
            var m = Vector256.Load(s);
            for (j = 8; j + 8 <= count; j += 8) m = Avx.Max(m, Vector256.Load(s + j));
            var q = Sse.Max(m.GetLower(), m.GetUpper());
            q = Sse.Max(q, Sse.Shuffle(q, q, 0x4E));
            max = Sse.MaxScalar(q, Sse.Shuffle(q, q, 0xB1)).ToScalar();
        }
        for (; j < count; j++) max = s[j] > max ? s[j] : max;
        return max;
    }

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

    /// <summary>acc[d] += w·v[d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(float* acc, float w, float* v, int n)
    {
        var weight = Vector256.Create(w);
        for (int d = 0; d < n; d += 8) Fma.MultiplyAdd(weight, Vector256.Load(v + d), Vector256.Load(acc + d)).Store(acc + d);
    }

    /// <summary>x[d] *= factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(float* x, float factor, int n)
    {
        var f = Vector256.Create(factor);
        for (int d = 0; d < n; d += 8) (Vector256.Load(x + d) * f).Store(x + d);
    }

    /// <summary>s[j] = e^max(s[j] − max, −87) for j &lt; count; returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ExpShifted(float* s, int count, float max)
    {
        var shift = Vector256.Create(max);
        var sum = Vector256<float>.Zero;
        int j = 0;
        for (; j + 8 <= count; j += 8)
        {
            var e = Exp(Vector256.Load(s + j) - shift);
            e.Store(s + j);
            sum += e;
        }
        float total = Vector256.Sum(sum);
        for (; j < count; j++)
        {
            s[j] = MathF.Exp(MathF.Max(s[j] - max, FlashDecoding.MinExponent));
            total += s[j];
        }
        return total;
    }

    /// <summary>
    /// e^x for x ≤ 0, lanes below −87 taken as −87 (so the result, ≥ 1.6e-38, is never denormal): Cephes' expf,
    /// x = n·ln2 + r with |r| ≤ ln2/2 (ln2 in two parts), e^r by a degree-6 polynomial, 2^n put in the exponent bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(FlashDecoding.MinExponent));
        var n = Vector256.Floor(Fma.MultiplyAdd(x, Vector256.Create(1.44269504088896341f), Vector256.Create(0.5f)));
        var r = Fma.MultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Fma.MultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500E-4f);
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.3981999507E-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(8.3334519073E-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(4.1665795894E-2f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.6666665459E-1f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(5.0000001201E-1f));
        var y = Fma.MultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var pow2 = ((Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23).AsSingle();
        return y * pow2;
    }

    /// <summary>Widens <paramref name="n"/> IEEE halves to floats in <paramref name="destination"/> (exact), returning it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Widen(ushort* source, float* destination, int n)
    {
        int d = 0;
        // Sixteen at a time where AVX-512 exists: the conversion is most of the work of an fp16 cache.
        if (Wide(n))
            for (; d + 16 <= n; d += 16) HalfVectors.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.Load(source + d))).Store(destination + d);
        for (; d < n; d += 8) HalfVectors.ToSingle(Avx2.ConvertToVector256Int32(source + d).AsUInt32()).Store(destination + d);
        return destination;
    }
}
