namespace Mistral.Gpu.Kernels;

/// <summary>
/// The shape of one attention layer as the kernels see it: query heads, key/value heads (GQA),
/// head size, the rotating KV cache's slot count and the sliding window.
/// </summary>
/// <param name="NHeads">Query heads.</param>
/// <param name="NKvHeads">Key/value heads; query head <c>h</c> reads KV head <c>h / (NHeads / NKvHeads)</c>.</param>
/// <param name="HeadDim">Elements per head: 8 (llama2.c's stories260K), 16, 32, 64 or 128.</param>
/// <param name="CacheSlots">Positions the KV cache holds; position <c>p</c> lives in slot <c>p % CacheSlots</c>.
/// The window W for a sliding-window model, the maximum context for full attention.</param>
/// <param name="Window">The sliding window W: a query at position i attends keys j with <c>i - W &lt; j &lt;= i</c>.
/// <see cref="int.MaxValue"/> means full causal attention.</param>
public sealed record AttentionShape(int NHeads, int NKvHeads, int HeadDim, int CacheSlots, int Window)
{
    /// <summary>The head sizes the attention kernels are compiled for.</summary>
    public static IReadOnlyList<int> SupportedHeadDims { get; } = [8, 16, 32, 64, 128];

    /// <summary>Query heads per KV head.</summary>
    public int GroupRatio => NHeads / NKvHeads;

    /// <summary>Floats in one cache row (one position, all KV heads).</summary>
    public int KvRowLength => NKvHeads * HeadDim;

    /// <summary>Floats in one query row (one token, all query heads).</summary>
    public int QueryRowLength => NHeads * HeadDim;

    /// <summary>Elements (fp32 or fp16) the K cache (and the V cache) must hold: <c>NKvHeads * CacheSlots * HeadDim</c>, laid out
    /// head-major <c>[NKvHeads, CacheSlots, HeadDim]</c>.</summary>
    public long CacheElements => (long)CacheSlots * KvRowLength;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (NHeads <= 0) throw new ArgumentException($"NHeads must be positive, got {NHeads}.", nameof(NHeads));
        if (NKvHeads <= 0) throw new ArgumentException($"NKvHeads must be positive, got {NKvHeads}.", nameof(NKvHeads));
        if (NHeads % NKvHeads != 0)
            throw new ArgumentException($"NHeads ({NHeads}) must be a multiple of NKvHeads ({NKvHeads}) for grouped-query attention.", nameof(NHeads));
        if (!SupportedHeadDims.Contains(HeadDim))
            throw new ArgumentException($"HeadDim {HeadDim} is not supported; supported: {string.Join(", ", SupportedHeadDims)}.", nameof(HeadDim));
        if (CacheSlots <= 0) throw new ArgumentException($"CacheSlots must be positive, got {CacheSlots}.", nameof(CacheSlots));
        if (Window <= 0) throw new ArgumentException($"Window must be positive, got {Window}.", nameof(Window));
        if (CacheElements > int.MaxValue)
            throw new ArgumentException($"A cache of {CacheSlots} x {NKvHeads} x {HeadDim} floats exceeds 2^31 elements.", nameof(CacheSlots));
    }
}
