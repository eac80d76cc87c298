namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>The logical tensors of a Mistral model, named as in Mistral's native checkpoints.</summary>
public enum WeightKind
{
    /// <summary>Token embedding table [vocab, dim].</summary>
    TokEmbeddings,
    /// <summary>RMSNorm weight before attention [dim] (per layer).</summary>
    AttentionNorm,
    /// <summary>Query projection [n_heads·head_dim, dim] (per layer), interleaved-RoPE row order.</summary>
    Wq,
    /// <summary>Key projection [n_kv_heads·head_dim, dim] (per layer), interleaved-RoPE row order.</summary>
    Wk,
    /// <summary>Value projection [n_kv_heads·head_dim, dim] (per layer).</summary>
    Wv,
    /// <summary>Attention output projection [dim, n_heads·head_dim] (per layer).</summary>
    Wo,
    /// <summary>RMSNorm weight before the feed-forward block [dim] (per layer).</summary>
    FfnNorm,
    /// <summary>Feed-forward gate [hidden, dim] (per layer); HF's gate_proj.</summary>
    W1,
    /// <summary>Feed-forward down projection [dim, hidden] (per layer); HF's down_proj.</summary>
    W2,
    /// <summary>Feed-forward up projection [hidden, dim] (per layer); HF's up_proj.</summary>
    W3,
    /// <summary>Final RMSNorm weight [dim].</summary>
    Norm,
    /// <summary>Classifier [vocab, dim]; the embedding when the checkpoint ties them.</summary>
    Output,
}
