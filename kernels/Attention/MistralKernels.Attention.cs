using System.Runtime.CompilerServices;
using Mistral.Gpu.Runtime;

[assembly: InternalsVisibleTo("Mistral.Gpu.Kernels.Tests")]
[assembly: InternalsVisibleTo("Mistral.Gpu.Model.Tests")]

namespace Mistral.Gpu.Kernels;

/// <summary>The kernel facade: host-validated, shape-aware entry points over the generated launchers.</summary>
public static partial class MistralKernels
{
    /// <summary>
    /// Rotates q <c>[tokens, nHeads, headDim]</c> and k <c>[tokens, nKvHeads, headDim]</c> in place with
    /// interleaved-pair RoPE; token t is at position <c>startPos + t</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, startPos is negative, nHeads is not a multiple of
    /// nKvHeads, the table was made for another headDim, or a buffer is too short.</exception>
    public static void Rope(Accelerator accelerator, BufferView<float> q, BufferView<float> k, RopeTable table,
        int tokens, int startPos, int nHeads, int nKvHeads, int headDim, AcceleratorStream? stream = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(table);
        LaunchShapes.Positive(tokens, nameof(tokens));
        LaunchShapes.NotNegative(startPos, nameof(startPos));
        LaunchShapes.Positive(nHeads, nameof(nHeads));
        LaunchShapes.Positive(nKvHeads, nameof(nKvHeads));
        if (nHeads % nKvHeads != 0)
            throw new ArgumentException($"nHeads ({nHeads}) must be a multiple of nKvHeads ({nKvHeads}).", nameof(nHeads));
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentException($"headDim must be a positive even number, got {headDim}.", nameof(headDim));
        if (table.HeadDim != headDim)
            throw new ArgumentException($"The RoPE table was made for headDim {table.HeadDim}, not {headDim}.", nameof(table));
        if ((long)startPos + tokens > 1 << 24)
            throw new ArgumentException($"Positions up to {(long)startPos + tokens} exceed 2^24, where fp32 positions stop being exact.", nameof(startPos));
        LaunchShapes.FitsInt((long)tokens * nHeads * headDim, nameof(tokens));
        LaunchShapes.Holds(q, (long)tokens * nHeads * headDim, nameof(q));
        LaunchShapes.Holds(k, (long)tokens * nKvHeads * headDim, nameof(k));
        long lanes = (long)tokens * ((nHeads + nKvHeads + RotaryEmbedding.HeadsPerLane - 1) / RotaryEmbedding.HeadsPerLane) * (headDim / 2);
        LaunchShapes.FitsInt(lanes, nameof(tokens));
        RotaryEmbedding.RotatePairsKernel.Launch(accelerator, LaunchDims.ForElements(lanes, RotaryEmbedding.GroupLanes),
            q, k, table.InverseFrequencies, tokens, startPos, nHeads, nKvHeads, headDim, stream);
    }

    /// <summary>
    /// The decode step's RoPE and cache write in one launch: q <c>[NHeads, HeadDim]</c> and k <c>[NKvHeads, HeadDim]</c>
    /// of one token at <paramref name="position"/> rotated in place (as <see cref="Rope"/>), and the rotated k and v
    /// stored at slot <c>position % CacheSlots</c> of the fp32 caches (as <see cref="KvCacheWrite(Accelerator, BufferView{float}, BufferView{float}, BufferView{float}, BufferView{float}, AttentionShape, int, int, AcceleratorStream?)"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The shape or table does not match, position is negative or past 2^24, or a buffer is too short.</exception>
    public static void RopeKvCacheWrite(Accelerator accelerator, BufferView<float> q, BufferView<float> k, BufferView<float> v, RopeTable table,
        BufferView<float> kCache, BufferView<float> vCache, AttentionShape shape, int position, AcceleratorStream? stream = null)
    {
        RopeKvCacheWrite(accelerator, q, k, v, table, KvCacheViews.Fp32(accelerator, kCache, vCache, shape), shape, position, stream);
    }

    /// <summary>The decode step's RoPE and cache write into fp16 caches (each value rounded to the nearest half).</summary>
    /// <exception cref="ArgumentException">The shape or table does not match, position is negative or past 2^24, or a buffer is too short.</exception>
    public static void RopeKvCacheWrite(Accelerator accelerator, BufferView<float> q, BufferView<float> k, BufferView<float> v, RopeTable table,
        BufferView<Half> kCache, BufferView<Half> vCache, AttentionShape shape, int position, AcceleratorStream? stream = null)
    {
        RopeKvCacheWrite(accelerator, q, k, v, table, KvCacheViews.Fp16(accelerator, kCache, vCache, shape), shape, position, stream);
    }

    private static void RopeKvCacheWrite(Accelerator accelerator, BufferView<float> q, BufferView<float> k, BufferView<float> v, RopeTable table,
        KvCacheViews cache, AttentionShape shape, int position, AcceleratorStream? stream)
    {
        ArgumentNullException.ThrowIfNull(table);
        AttentionChecks.ValidateShape(shape);
        LaunchShapes.NotNegative(position, nameof(position));
        if (table.HeadDim != shape.HeadDim)
            throw new ArgumentException($"The RoPE table was made for headDim {table.HeadDim}, not {shape.HeadDim}.", nameof(table));
        if (position >= 1 << 24)
            throw new ArgumentException($"Position {position} is at or past 2^24, where fp32 positions stop being exact.", nameof(position));
        LaunchShapes.Holds(q, shape.QueryRowLength, nameof(q));
        LaunchShapes.Holds(k, shape.KvRowLength, nameof(k));
        LaunchShapes.Holds(v, shape.KvRowLength, nameof(v));
        long lanes = (long)((shape.NHeads + shape.NKvHeads + RotaryEmbedding.HeadsPerLane - 1) / RotaryEmbedding.HeadsPerLane) * (shape.HeadDim / 2);
        RotaryEmbedding.RotateIntoCacheKernel.Launch(accelerator, LaunchDims.ForElements(lanes, RotaryEmbedding.GroupLanes),
            q, k, v, table.InverseFrequencies, cache.K, cache.V, cache.KHalf, cache.VHalf, position, shape.NHeads, shape.NKvHeads,
            shape.HeadDim, shape.CacheSlots, cache.Fp16Flag, stream);
    }

    /// <summary>
    /// Writes the chunk's k and v <c>[tokens, NKvHeads, HeadDim]</c> at positions <c>startPos ..</c> into the rotating
    /// fp32 caches <c>[NKvHeads, CacheSlots, HeadDim]</c>: position p to slot <c>p % CacheSlots</c> of each KV head,
    /// only the last <c>min(tokens, CacheSlots)</c> tokens.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, tokens is not positive, startPos is negative, or a buffer is too short.</exception>
    public static void KvCacheWrite(Accelerator accelerator, BufferView<float> k, BufferView<float> v,
        BufferView<float> kCache, BufferView<float> vCache, AttentionShape shape, int tokens, int startPos,
        AcceleratorStream? stream = null)
    {
        KvCacheWrite(accelerator, k, v, KvCacheViews.Fp32(accelerator, kCache, vCache, shape), shape, tokens, startPos, stream);
    }

    /// <summary>
    /// <see cref="KvCacheWrite(Accelerator, BufferView{float}, BufferView{float}, BufferView{float}, BufferView{float}, AttentionShape, int, int, AcceleratorStream?)"/>
    /// into fp16 caches: each value is rounded to the nearest half (ties to even).
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, tokens is not positive, startPos is negative, or a buffer is too short.</exception>
    public static void KvCacheWrite(Accelerator accelerator, BufferView<float> k, BufferView<float> v,
        BufferView<Half> kCache, BufferView<Half> vCache, AttentionShape shape, int tokens, int startPos,
        AcceleratorStream? stream = null)
    {
        KvCacheWrite(accelerator, k, v, KvCacheViews.Fp16(accelerator, kCache, vCache, shape), shape, tokens, startPos, stream);
    }

    private static void KvCacheWrite(Accelerator accelerator, BufferView<float> k, BufferView<float> v, KvCacheViews cache,
        AttentionShape shape, int tokens, int startPos, AcceleratorStream? stream)
    {
        AttentionChecks.ValidateShape(shape);
        LaunchShapes.Positive(tokens, nameof(tokens));
        LaunchShapes.NotNegative(startPos, nameof(startPos));
        LaunchShapes.FitsInt((long)startPos + tokens, nameof(startPos));
        long chunk = (long)tokens * shape.KvRowLength;
        LaunchShapes.FitsInt(chunk, nameof(tokens));
        LaunchShapes.Holds(k, chunk, nameof(k));
        LaunchShapes.Holds(v, chunk, nameof(v));
        int count = Math.Min(tokens, shape.CacheSlots);
        int firstToken = tokens - count;
        RotatingKvCache.WriteKernel.Launch(accelerator,
            LaunchDims.ForElements((long)count * shape.KvRowLength, RotatingKvCache.GroupLanes),
            k, v, cache.K, cache.V, cache.KHalf, cache.VHalf, firstToken, count, startPos, shape.NKvHeads, shape.HeadDim,
            shape.CacheSlots, cache.Fp16Flag, stream);
    }

    /// <summary>
    /// Causal sliding-window attention of a chunk of <paramref name="tokens"/> queries at positions
    /// <c>startPos ..</c>: query i attends keys j with <c>i - Window &lt; j &lt;= i</c>, from the fp32 caches for
    /// <c>j &lt; startPos</c> and from this chunk's k/v otherwise. Call it before <see cref="KvCacheWrite(Accelerator, BufferView{float}, BufferView{float}, BufferView{float}, BufferView{float}, AttentionShape, int, int, AcceleratorStream?)"/>
    /// of the chunk. q and output are <c>[tokens, NHeads, HeadDim]</c>, k and v <c>[tokens, NKvHeads, HeadDim]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, tokens is not positive, startPos is negative, a
    /// needed key has already left the cache, or a buffer is too short.</exception>
    public static void AttentionPrefill(Accelerator accelerator, BufferView<float> q, BufferView<float> k,
        BufferView<float> v, BufferView<float> kCache, BufferView<float> vCache, BufferView<float> output,
        AttentionShape shape, int tokens, int startPos, AcceleratorStream? stream = null)
    {
        AttentionPrefill(accelerator, q, k, v, KvCacheViews.Fp32(accelerator, kCache, vCache, shape), output, shape, tokens, startPos, stream);
    }

    /// <summary>The prefill over fp16 caches (the chunk's own k/v stay fp32).</summary>
    /// <exception cref="ArgumentException">The shape is invalid, tokens is not positive, startPos is negative, a
    /// needed key has already left the cache, or a buffer is too short.</exception>
    public static void AttentionPrefill(Accelerator accelerator, BufferView<float> q, BufferView<float> k,
        BufferView<float> v, BufferView<Half> kCache, BufferView<Half> vCache, BufferView<float> output,
        AttentionShape shape, int tokens, int startPos, AcceleratorStream? stream = null)
    {
        AttentionPrefill(accelerator, q, k, v, KvCacheViews.Fp16(accelerator, kCache, vCache, shape), output, shape, tokens, startPos, stream);
    }

    /// <summary>Prefill with an explicit kernel (tests run both on every backend).</summary>
    internal static void AttentionPrefill(Accelerator accelerator, BufferView<float> q, BufferView<float> k, BufferView<float> v,
        BufferView<float> kCache, BufferView<float> vCache, BufferView<float> output, AttentionShape shape, int tokens, int startPos,
        DecodeKernelChoice choice)
    {
        AttentionPrefill(accelerator, q, k, v, KvCacheViews.Fp32(accelerator, kCache, vCache, shape), output, shape, tokens, startPos, null, choice);
    }

    /// <summary>Prefill over fp16 caches with an explicit kernel (tests).</summary>
    internal static void AttentionPrefill(Accelerator accelerator, BufferView<float> q, BufferView<float> k, BufferView<float> v,
        BufferView<Half> kCache, BufferView<Half> vCache, BufferView<float> output, AttentionShape shape, int tokens, int startPos,
        DecodeKernelChoice choice)
    {
        AttentionPrefill(accelerator, q, k, v, KvCacheViews.Fp16(accelerator, kCache, vCache, shape), output, shape, tokens, startPos, null, choice);
    }

    private static void AttentionPrefill(Accelerator accelerator, BufferView<float> q, BufferView<float> k,
        BufferView<float> v, KvCacheViews cache, BufferView<float> output, AttentionShape shape, int tokens, int startPos,
        AcceleratorStream? stream, DecodeKernelChoice choice = DecodeKernelChoice.ByDevice)
    {
        AttentionChecks.ValidateShape(shape);
        LaunchShapes.Positive(tokens, nameof(tokens));
        LaunchShapes.NotNegative(startPos, nameof(startPos));
        LaunchShapes.FitsInt((long)startPos + tokens, nameof(startPos));
        // The oldest key any query of the chunk needs is max(0, startPos - Window + 1); slots hold startPos - CacheSlots .. startPos - 1.
        if (Math.Max(0L, (long)startPos - shape.Window + 1) < (long)startPos - shape.CacheSlots)
            throw new ArgumentException(
                $"startPos {startPos}: with Window {shape.Window} the chunk needs keys older than the {shape.CacheSlots} cached positions.", nameof(startPos));
        long queries = (long)tokens * shape.QueryRowLength;
        long keys = (long)tokens * shape.KvRowLength;
        LaunchShapes.FitsInt(queries, nameof(tokens));
        LaunchShapes.Holds(q, queries, nameof(q));
        LaunchShapes.Holds(k, keys, nameof(k));
        LaunchShapes.Holds(v, keys, nameof(v));
        LaunchShapes.Holds(output, queries, nameof(output));
        long rows = (long)tokens * shape.GroupRatio;
        bool mmaFits = shape.HeadDim % 16 == 0;
        if (choice == DecodeKernelChoice.MmaShaped && !mmaFits)
            throw new ArgumentException($"The tensor-core prefill needs head_dim % 16 == 0, got {shape.HeadDim}.", nameof(choice));
        if (choice == DecodeKernelChoice.MmaShaped || (choice == DecodeKernelChoice.ByDevice && mmaFits && TensorCores.Available(accelerator)))
        {
            var tiles = new LaunchDims(new(checked((int)((rows + FlashAttentionPrefill.MmaRows - 1) / FlashAttentionPrefill.MmaRows)), shape.NKvHeads), new(FlashAttentionPrefill.MmaLanes));
            FlashAttentionPrefill.TileMmaKernel.Launch(accelerator, tiles, q, k, v, cache.K, cache.V, cache.KHalf, cache.VHalf, output,
                tokens, startPos, shape.NHeads, shape.NKvHeads, shape.CacheSlots, shape.Window, shape.HeadDim, cache.Fp16Flag, stream);
            return;
        }
        bool cpuLike = choice == DecodeKernelChoice.ByDevice ? LaunchShapes.IsCpuLike(accelerator) : choice == DecodeKernelChoice.CpuShaped;
        if (cpuLike)
        {
            // One lane per group of RowTile (token, head) rows: see FlashAttentionPrefillRows.cs.
            var rowDims = new LaunchDims(new(checked((int)((rows + FlashAttentionPrefill.RowTile - 1) / FlashAttentionPrefill.RowTile)), shape.NKvHeads), new(1));
            FlashAttentionPrefill.RowsKernel.Launch(accelerator, rowDims, q, k, v, cache.K, cache.V, cache.KHalf, cache.VHalf, output,
                tokens, startPos, shape.NHeads, shape.NKvHeads, shape.CacheSlots, shape.Window, shape.HeadDim, cache.Fp16Flag, stream);
            return;
        }
        int rowTiles = checked((int)((rows + AttentionTiles.RowsPerTile(shape.HeadDim) - 1) / AttentionTiles.RowsPerTile(shape.HeadDim)));
        var dims = new LaunchDims(new(rowTiles, shape.NKvHeads), new(AttentionTiles.GroupLanes));
        FlashAttentionPrefill.TileKernel.Launch(accelerator, dims, q, k, v, cache.K, cache.V, cache.KHalf, cache.VHalf, output,
            tokens, startPos, shape.NHeads, shape.NKvHeads, shape.CacheSlots, shape.Window, shape.HeadDim, cache.Fp16Flag, stream);
    }

    /// <summary>
    /// Attention of the single token at <paramref name="position"/> (q and output <c>[NHeads, HeadDim]</c>) over the
    /// cached keys <c>max(0, position - Window + 1) .. position</c> of the fp32 caches; its own k/v must already be in
    /// the cache. Flash-decoding: the key range is split across groups so one sequence fills the device, then combined.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid or differs from the scratch's, position is negative,
    /// a needed key has already left the cache, or a buffer is too short.</exception>
    public static void AttentionDecode(Accelerator accelerator, BufferView<float> q, BufferView<float> kCache,
        BufferView<float> vCache, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
        AcceleratorStream? stream = null)
    {
        AttentionDecode(accelerator, q, KvCacheViews.Fp32(accelerator, kCache, vCache, shape), output, shape, position, scratch, null, stream);
    }

    /// <summary>The decode over fp16 caches.</summary>
    /// <exception cref="ArgumentException">The shape is invalid or differs from the scratch's, position is negative,
    /// a needed key has already left the cache, or a buffer is too short.</exception>
    public static void AttentionDecode(Accelerator accelerator, BufferView<float> q, BufferView<Half> kCache,
        BufferView<Half> vCache, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
        AcceleratorStream? stream = null)
    {
        AttentionDecode(accelerator, q, KvCacheViews.Fp16(accelerator, kCache, vCache, shape), output, shape, position, scratch, null, stream);
    }

    /// <summary>
    /// How a decode step at <paramref name="position"/> is launched on <paramref name="accelerator"/>: the kernel, the
    /// keys attended, the splits and keys per split, and the grid. Everything here is a function of the key count
    /// min(position + 1, Window), never of the position itself, so a sliding-window model decodes at the same cost
    /// at any position past the window.
    /// </summary>
    /// <param name="accelerator">The device (GPU or CPU-like decides the kernel and the split count).</param>
    /// <param name="shape">The layer's attention shape.</param>
    /// <param name="position">The query's position.</param>
    /// <param name="requestedSplits">Splits to use instead of the device's choice (clamped to 1 .. maxSplits, then to whole key tiles).</param>
    /// <param name="maxSplits">The scratch's split limit (default: <see cref="AttentionScratch.Create"/>'s automatic limit).</param>
    /// <exception cref="ArgumentException">The shape is invalid, position is negative, or a needed key has left the cache.</exception>
    public static DecodePlan PlanDecode(Accelerator accelerator, AttentionShape shape, int position, int? requestedSplits = null, int? maxSplits = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        return PlanDecode(accelerator, shape, position, requestedSplits, maxSplits, DecodeKernelChoice.ByDevice);
    }

    /// <summary>Which kernel a decode (or prefill) runs: the device's, or one shape forced (tests run both on every backend).</summary>
    internal enum DecodeKernelChoice
    {
        ByDevice,
        GpuShaped,
        CpuShaped,

        /// <summary>Prefill only: FlashAttentionPrefill.TileMma (Mma.M16N8K16; its exchange fallback off tensor cores).</summary>
        MmaShaped,
    }

    internal static DecodePlan PlanDecode(Accelerator accelerator, AttentionShape shape, int position, int? requestedSplits, int? maxSplits,
        DecodeKernelChoice choice)
    {
        AttentionChecks.ValidateShape(shape);
        int keys = DecodeKeys(shape, position);
        bool cpuLike = choice == DecodeKernelChoice.ByDevice ? LaunchShapes.IsCpuLike(accelerator) : choice == DecodeKernelChoice.CpuShaped;
        int rowTiles = cpuLike ? (shape.GroupRatio + FlashDecoding.RowTile - 1) / FlashDecoding.RowTile : DecodeRowTiles(shape);
        int splits = requestedSplits ?? DefaultSplits(accelerator, keys, rowTiles * shape.NKvHeads);
        splits = Math.Clamp(splits, 1, maxSplits ?? AttentionScratch.DefaultMaxSplits(shape));
        // Whole key tiles per split, so no group stages a part-empty tile in the middle of the range.
        int splitSize = (keys + splits - 1) / splits;
        splitSize = (splitSize + AttentionTiles.KeyTile - 1) / AttentionTiles.KeyTile * AttentionTiles.KeyTile;
        splits = (keys + splitSize - 1) / splitSize;
        var grid = new LaunchDims(new(rowTiles, shape.NKvHeads, splits), new(cpuLike ? 1 : AttentionTiles.GroupLanes));
        return new DecodePlan(cpuLike ? FlashDecoding.PartialRowsKernel.Definition : FlashDecoding.PartialKernel.Definition,
            keys, splits, splitSize, grid);
    }

    /// <summary>Splits so that the split kernel has at least twice as many groups as the device has compute units,
    /// each split at least <see cref="AttentionScratch.MinKeysPerSplit"/> keys.</summary>
    private static int DefaultSplits(Accelerator accelerator, int keys, int groupsPerSplit)
    {
        int wanted = (2 * Math.Max(1, accelerator.Info.ComputeUnits) + groupsPerSplit - 1) / groupsPerSplit;
        return Math.Min(wanted, (keys + AttentionScratch.MinKeysPerSplit - 1) / AttentionScratch.MinKeysPerSplit);
    }

    /// <summary>Decode with an explicit split count (null: the device's; clamped to 1 .. scratch.MaxSplits, then to whole 32-key tiles
    /// per split) and kernel; tests use it to exercise the combine and both kernels on every backend.</summary>
    internal static void AttentionDecodeWithSplits(Accelerator accelerator, BufferView<float> q, BufferView<float> kCache,
        BufferView<float> vCache, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
        int? splits, AcceleratorStream? stream, DecodeKernelChoice choice = DecodeKernelChoice.ByDevice)
    {
        AttentionDecode(accelerator, q, KvCacheViews.Fp32(accelerator, kCache, vCache, shape), output, shape, position, scratch, splits, stream, choice);
    }

    /// <summary>Decode over fp16 caches with an explicit split count and kernel (tests).</summary>
    internal static void AttentionDecodeWithSplits(Accelerator accelerator, BufferView<float> q, BufferView<Half> kCache,
        BufferView<Half> vCache, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
        int? splits, AcceleratorStream? stream, DecodeKernelChoice choice = DecodeKernelChoice.ByDevice)
    {
        AttentionDecode(accelerator, q, KvCacheViews.Fp16(accelerator, kCache, vCache, shape), output, shape, position, scratch, splits, stream, choice);
    }

    private static void AttentionDecode(Accelerator accelerator, BufferView<float> q, KvCacheViews cache, BufferView<float> output,
        AttentionShape shape, int position, AttentionScratch scratch, int? splits, AcceleratorStream? stream,
        DecodeKernelChoice choice = DecodeKernelChoice.ByDevice)
    {
        AttentionChecks.ValidateShape(shape);
        ArgumentNullException.ThrowIfNull(scratch);
        if (scratch.Shape.NHeads != shape.NHeads || scratch.Shape.HeadDim != shape.HeadDim)
            throw new ArgumentException($"The scratch was made for {scratch.Shape.NHeads} heads of {scratch.Shape.HeadDim}, not {shape.NHeads} of {shape.HeadDim}.", nameof(scratch));
        var plan = PlanDecode(accelerator, shape, position, splits, scratch.MaxSplits, choice);
        LaunchShapes.Holds(q, shape.QueryRowLength, nameof(q));
        LaunchShapes.Holds(output, shape.QueryRowLength, nameof(output));
        if (plan.Kernel == FlashDecoding.PartialRowsKernel.Definition)
        {
            FlashDecoding.PartialRowsKernel.Launch(accelerator, plan.Grid, q, cache.K, cache.V, cache.KHalf, cache.VHalf,
                scratch.PartialMax, scratch.PartialSum, scratch.PartialOutput, scratch.Arrivals, output,
                position, shape.NHeads, shape.NKvHeads, shape.CacheSlots, shape.Window, plan.Splits, plan.SplitSize, shape.HeadDim,
                cache.Fp16Flag, stream);
        }
        else
        {
            FlashDecoding.PartialKernel.Launch(accelerator, plan.Grid, q, cache.K, cache.V, cache.KHalf, cache.VHalf,
                scratch.PartialMax, scratch.PartialSum, scratch.PartialOutput, scratch.Arrivals, output,
                position, shape.NHeads, shape.NKvHeads, shape.CacheSlots, shape.Window, plan.Splits, plan.SplitSize, shape.HeadDim,
                cache.Fp16Flag, stream);
        }
    }

    private static long CacheElementsOf(AttentionShape shape)
    {
        AttentionChecks.ValidateShape(shape);
        return shape.CacheElements;
    }

    private static int DecodeRowTiles(AttentionShape shape) =>
        (shape.GroupRatio + AttentionTiles.RowsPerTile(shape.HeadDim) - 1) / AttentionTiles.RowsPerTile(shape.HeadDim);

    private static int DecodeKeys(AttentionShape shape, int position)
    {
        LaunchShapes.NotNegative(position, nameof(position));
        // Keys max(0, position - Window + 1) .. position must all still be in the CacheSlots slots.
        long oldest = Math.Max(0L, (long)position - shape.Window + 1);
        if (position - oldest + 1 > shape.CacheSlots)
            throw new ArgumentException(
                $"position {position}: with Window {shape.Window} the query needs {position - oldest + 1} keys but the cache holds {shape.CacheSlots}.", nameof(position));
        return (int)(position - oldest + 1);
    }

    /// <summary>
    /// The four cache views a kernel takes, the unused precision's pair being one-element placeholders; made only from
    /// caches that hold the shape (the checks every public entry point shares).
    /// </summary>
    private readonly record struct KvCacheViews(BufferView<float> K, BufferView<float> V, BufferView<Half> KHalf, BufferView<Half> VHalf, int Fp16Flag)
    {
        private static readonly ConditionalWeakTable<Accelerator, DeviceBuffer<float>> FloatPlaceholders = new();
        private static readonly ConditionalWeakTable<Accelerator, DeviceBuffer<Half>> HalfPlaceholders = new();

        public static KvCacheViews Fp32(Accelerator accelerator, BufferView<float> k, BufferView<float> v, AttentionShape shape)
        {
            CheckCaches(accelerator, k, v, shape);
            var none = HalfPlaceholders.GetValue(accelerator, a => a.Allocate<Half>(1));
            return new(k, v, none, none, 0);
        }

        public static KvCacheViews Fp16(Accelerator accelerator, BufferView<Half> k, BufferView<Half> v, AttentionShape shape)
        {
            CheckCaches(accelerator, k, v, shape);
            var none = FloatPlaceholders.GetValue(accelerator, a => a.Allocate<float>(1));
            return new(none, none, k, v, 1);
        }

        private static void CheckCaches<T>(Accelerator accelerator, BufferView<T> k, BufferView<T> v, AttentionShape shape) where T : unmanaged
        {
            LaunchShapes.NotNull(accelerator);
            LaunchShapes.Holds(k, CacheElementsOf(shape), "kCache");
            LaunchShapes.Holds(v, CacheElementsOf(shape), "vCache");
        }
    }
}

/// <summary>How one decode step is launched (see <see cref="MistralKernels.PlanDecode(Accelerator, AttentionShape, int, int?, int?)"/>).</summary>
/// <param name="Kernel">The split kernel: <c>FlashDecoding.Partial</c> on GPUs, <c>FlashDecoding.PartialRows</c> on CPU-like devices.</param>
/// <param name="Keys">Keys attended: min(position + 1, Window).</param>
/// <param name="Splits">Key ranges, one group column each.</param>
/// <param name="SplitSize">Keys per range (whole 32-key tiles; the last range may be shorter).</param>
/// <param name="Grid">Groups and lanes of the split kernel.</param>
/// <remarks>One launch: the group that finishes a row tile's last split merges the tile's splits (FlashDecoding.cs).</remarks>
public sealed record DecodePlan(KernelDefinition Kernel, int Keys, int Splits, int SplitSize, LaunchDims Grid);

/// <summary>The attention family's own host-side check (the generic ones are LaunchShapes').</summary>
internal static class AttentionChecks
{
    internal static void ValidateShape(AttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
    }
}
