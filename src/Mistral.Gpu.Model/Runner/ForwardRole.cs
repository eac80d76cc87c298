namespace Mistral.Gpu.Model.Runner;

/// <summary>What one launch of the forward pass computes, in the order a block runs them.</summary>
public enum ForwardRole
{
    /// <summary>Token ids to embedding rows.</summary>
    Embedding,

    /// <summary>RMSNorm before attention (fused with the previous block's residual add from block 1 on).</summary>
    AttentionNorm,

    /// <summary>q, k and v projections of the same normalised input.</summary>
    QueryKeyValue,

    /// <summary>Rotary embedding of q and k.</summary>
    Rope,

    /// <summary>The chunk's keys and values into the rotating cache.</summary>
    KvCacheWrite,

    /// <summary>A decode token's rotary embedding and cache write, one launch.</summary>
    RopeKvCacheWrite,

    /// <summary>Attention over the window (flash-decoding for one token, FlashAttention-2 for a chunk).</summary>
    Attention,

    /// <summary>Attention output projection.</summary>
    AttentionOutput,

    /// <summary>Residual add and RMSNorm before the feed-forward.</summary>
    FeedForwardNorm,

    /// <summary>Gate and up projections of the same normalised input and silu(gate) * up: one launch for a decode token on GPUs (the GEMV's epilogue), two elsewhere.</summary>
    GateUpSwiGlu,

    /// <summary>Down projection.</summary>
    Down,

    /// <summary>The last block's residual add and the final RMSNorm.</summary>
    FinalNorm,

    /// <summary>The classifier over the rows someone reads.</summary>
    Output,

    /// <summary>The greedy next token, on the device.</summary>
    Argmax,
}
