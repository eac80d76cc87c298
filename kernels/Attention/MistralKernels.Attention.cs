using System.Runtime.CompilerServices;
using Mistral.Gpu.Runtime;

[assembly: InternalsVisibleTo("Mistral.Gpu.Kernels.Tests")]

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
        AttentionChecks.Positive(tokens, nameof(tokens));
        AttentionChecks.NotNegative(startPos, nameof(startPos));
        AttentionChecks.Positive(nHeads, nameof(nHeads));
        AttentionChecks.Positive(nKvHeads, nameof(nKvHeads));
        if (nHeads % nKvHeads != 0)
            throw new ArgumentException($"nHeads ({nHeads}) must be a multiple of nKvHeads ({nKvHeads}).", nameof(nHeads));
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentException($"headDim must be a positive even number, got {headDim}.", nameof(headDim));
        if (table.HeadDim != headDim)
            throw new ArgumentException($"The RoPE table was made for headDim {table.HeadDim}, not {headDim}.", nameof(table));
        if ((long)startPos + tokens > 1 << 24)
            throw new ArgumentException($"Positions up to {(long)startPos + tokens} exceed 2^24, where fp32 positions stop being exact.", nameof(startPos));
        AttentionChecks.FitsInt((long)tokens * nHeads * headDim, nameof(tokens));
        AttentionChecks.Holds(q, (long)tokens * nHeads * headDim, nameof(q));
        AttentionChecks.Holds(k, (long)tokens * nKvHeads * headDim, nameof(k));
        long lanes = (long)tokens * ((nHeads + nKvHeads + RotaryEmbedding.HeadsPerLane - 1) / RotaryEmbedding.HeadsPerLane) * (headDim / 2);
        AttentionChecks.FitsInt(lanes, nameof(tokens));
        RotaryEmbedding.RotatePairsKernel.Launch(accelerator, LaunchDims.ForElements(lanes, RotaryEmbedding.GroupLanes),
            q, k, table.InverseFrequencies, tokens, startPos, nHeads, nKvHeads, headDim, stream);
    }

    /// <summary>
    /// Writes the chunk's k and v <c>[tokens, NKvHeads, HeadDim]</c> at positions <c>startPos ..</c> into the rotating
    /// caches <c>[CacheSlots, NKvHeads, HeadDim]</c>: position p to slot <c>p % CacheSlots</c>, only the last
    /// <c>min(tokens, CacheSlots)</c> tokens.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, tokens is not positive, startPos is negative, or a buffer is too short.</exception>
    public static void KvCacheWrite(Accelerator accelerator, BufferView<float> k, BufferView<float> v,
        BufferView<float> kCache, BufferView<float> vCache, AttentionShape shape, int tokens, int startPos,
        AcceleratorStream? stream = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        AttentionChecks.ValidateShape(shape);
        AttentionChecks.Positive(tokens, nameof(tokens));
        AttentionChecks.NotNegative(startPos, nameof(startPos));
        AttentionChecks.FitsInt((long)startPos + tokens, nameof(startPos));
        long chunk = (long)tokens * shape.KvRowLength;
        AttentionChecks.FitsInt(chunk, nameof(tokens));
        AttentionChecks.Holds(k, chunk, nameof(k));
        AttentionChecks.Holds(v, chunk, nameof(v));
        AttentionChecks.Holds(kCache, shape.CacheElements, nameof(kCache));
        AttentionChecks.Holds(vCache, shape.CacheElements, nameof(vCache));
        int count = Math.Min(tokens, shape.CacheSlots);
        int firstToken = tokens - count;
        RotatingKvCache.WriteKernel.Launch(accelerator,
            LaunchDims.ForElements((long)count * shape.KvRowLength, RotatingKvCache.GroupLanes),
            k, v, kCache, vCache, firstToken, count, startPos, shape.KvRowLength, shape.CacheSlots, stream);
    }

    /// <summary>
    /// Causal sliding-window attention of a chunk of <paramref name="tokens"/> queries at positions
    /// <c>startPos ..</c>: query i attends keys j with <c>i - Window &lt; j &lt;= i</c>, from the caches for
    /// <c>j &lt; startPos</c> and from this chunk's k/v otherwise. Call it before <see cref="KvCacheWrite"/> of the
    /// chunk. q and output are <c>[tokens, NHeads, HeadDim]</c>, k and v <c>[tokens, NKvHeads, HeadDim]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, tokens is not positive, startPos is negative, a
    /// needed key has already left the cache, or a buffer is too short.</exception>
    public static void AttentionPrefill(Accelerator accelerator, BufferView<float> q, BufferView<float> k,
        BufferView<float> v, BufferView<float> kCache, BufferView<float> vCache, BufferView<float> output,
        AttentionShape shape, int tokens, int startPos, AcceleratorStream? stream = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        AttentionChecks.ValidateShape(shape);
        AttentionChecks.Positive(tokens, nameof(tokens));
        AttentionChecks.NotNegative(startPos, nameof(startPos));
        AttentionChecks.FitsInt((long)startPos + tokens, nameof(startPos));
        // The oldest key any query of the chunk needs is max(0, startPos - Window + 1); slots hold startPos - CacheSlots .. startPos - 1.
        if (Math.Max(0L, (long)startPos - shape.Window + 1) < (long)startPos - shape.CacheSlots)
            throw new ArgumentException(
                $"startPos {startPos}: with Window {shape.Window} the chunk needs keys older than the {shape.CacheSlots} cached positions.", nameof(startPos));
        long queries = (long)tokens * shape.QueryRowLength;
        long keys = (long)tokens * shape.KvRowLength;
        AttentionChecks.FitsInt(queries, nameof(tokens));
        AttentionChecks.Holds(q, queries, nameof(q));
        AttentionChecks.Holds(k, keys, nameof(k));
        AttentionChecks.Holds(v, keys, nameof(v));
        AttentionChecks.Holds(kCache, shape.CacheElements, nameof(kCache));
        AttentionChecks.Holds(vCache, shape.CacheElements, nameof(vCache));
        AttentionChecks.Holds(output, queries, nameof(output));
        long rows = (long)tokens * shape.GroupRatio;
        int rowTiles = checked((int)((rows + FlashAttentionPrefill.RowsPerTile(shape.HeadDim) - 1) / FlashAttentionPrefill.RowsPerTile(shape.HeadDim)));
        var dims = new LaunchDims(new(rowTiles, shape.NKvHeads), new(FlashAttentionPrefill.GroupLanes));
        FlashAttentionPrefill.TileKernel.Launch(accelerator, dims, q, k, v, kCache, vCache, output,
            tokens, startPos, shape.NHeads, shape.NKvHeads, shape.CacheSlots, shape.Window, shape.HeadDim, stream);
    }

    /// <summary>
    /// Attention of the single token at <paramref name="position"/> (q and output <c>[NHeads, HeadDim]</c>) over the
    /// cached keys <c>max(0, position - Window + 1) .. position</c>; its own k/v must already be in the cache.
    /// Flash-decoding: the key range is split across groups so one sequence fills the device, then combined.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid or differs from the scratch's, position is negative,
    /// a needed key has already left the cache, or a buffer is too short.</exception>
    public static void AttentionDecode(Accelerator accelerator, BufferView<float> q, BufferView<float> kCache,
        BufferView<float> vCache, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
        AcceleratorStream? stream = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        AttentionChecks.ValidateShape(shape);
        int keys = DecodeKeys(shape, position);
        int groupsPerSplit = DecodeRowTiles(shape) * shape.NKvHeads;
        int wanted = (2 * Math.Max(1, accelerator.Info.ComputeUnits) + groupsPerSplit - 1) / groupsPerSplit;
        int splits = Math.Min(wanted, (keys + AttentionScratch.MinKeysPerSplit - 1) / AttentionScratch.MinKeysPerSplit);
        AttentionDecodeWithSplits(accelerator, q, kCache, vCache, output, shape, position, scratch, splits, stream);
    }

    /// <summary>Decode with an explicit split count (clamped to 1 .. scratch.MaxSplits, then to whole 32-key tiles per split); tests use it to exercise the combine.</summary>
    internal static void AttentionDecodeWithSplits(Accelerator accelerator, BufferView<float> q, BufferView<float> kCache,
        BufferView<float> vCache, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
        int splits, AcceleratorStream? stream)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        AttentionChecks.ValidateShape(shape);
        ArgumentNullException.ThrowIfNull(scratch);
        if (scratch.Shape.NHeads != shape.NHeads || scratch.Shape.HeadDim != shape.HeadDim)
            throw new ArgumentException($"The scratch was made for {scratch.Shape.NHeads} heads of {scratch.Shape.HeadDim}, not {shape.NHeads} of {shape.HeadDim}.", nameof(scratch));
        int keys = DecodeKeys(shape, position);
        AttentionChecks.Holds(q, shape.QueryRowLength, nameof(q));
        AttentionChecks.Holds(kCache, shape.CacheElements, nameof(kCache));
        AttentionChecks.Holds(vCache, shape.CacheElements, nameof(vCache));
        AttentionChecks.Holds(output, shape.QueryRowLength, nameof(output));
        // Whole key tiles per split, so no group stages a part-empty tile in the middle of the range.
        splits = Math.Clamp(splits, 1, scratch.MaxSplits);
        int splitSize = (keys + splits - 1) / splits;
        splitSize = (splitSize + FlashDecoding.KeyTile - 1) / FlashDecoding.KeyTile * FlashDecoding.KeyTile;
        splits = (keys + splitSize - 1) / splitSize;
        var dims = new LaunchDims(new(DecodeRowTiles(shape), shape.NKvHeads, splits), new(FlashDecoding.GroupLanes));
        FlashDecoding.PartialKernel.Launch(accelerator, dims, q, kCache, vCache,
            scratch.PartialMax, scratch.PartialSum, scratch.PartialOutput,
            position, shape.NHeads, shape.NKvHeads, shape.CacheSlots, shape.Window, splits, splitSize, shape.HeadDim, stream);
        FlashDecoding.CombineKernel.Launch(accelerator, new LaunchDims(new(shape.NHeads), new(shape.HeadDim)),
            scratch.PartialMax, scratch.PartialSum, scratch.PartialOutput, output, shape.NHeads, splits, shape.HeadDim, stream);
    }

    private static int DecodeRowTiles(AttentionShape shape) =>
        (shape.GroupRatio + FlashDecoding.RowsPerTile(shape.HeadDim) - 1) / FlashDecoding.RowsPerTile(shape.HeadDim);

    private static int DecodeKeys(AttentionShape shape, int position)
    {
        AttentionChecks.NotNegative(position, nameof(position));
        // Keys max(0, position - Window + 1) .. position must all still be in the CacheSlots slots.
        long oldest = Math.Max(0L, (long)position - shape.Window + 1);
        if (position - oldest + 1 > shape.CacheSlots)
            throw new ArgumentException(
                $"position {position}: with Window {shape.Window} the query needs {position - oldest + 1} keys but the cache holds {shape.CacheSlots}.", nameof(position));
        return (int)(position - oldest + 1);
    }
}

/// <summary>Host-side argument checks of the attention family: each throws an ArgumentException naming the argument.</summary>
internal static class AttentionChecks
{
    internal static void ValidateShape(AttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
    }

    internal static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be positive, got {value}.", name);
    }

    internal static void NotNegative(int value, string name)
    {
        if (value < 0) throw new ArgumentException($"{name} must not be negative, got {value}.", name);
    }

    internal static void FitsInt(long value, string name)
    {
        if (value > int.MaxValue) throw new ArgumentException($"{name}: {value} elements exceed the kernels' 2^31 index range.", name);
    }

    internal static void Holds(BufferView<float> view, long elements, string name)
    {
        if (view.Buffer is null) throw new ArgumentNullException(name, $"{name} has no buffer.");
        if (view.Length < elements)
            throw new ArgumentException($"{name} holds {view.Length} floats, {elements} are needed.", name);
    }
}
