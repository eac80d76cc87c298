namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>One transformer block's weights as float32 host arrays, native layout, row-major [out, in].</summary>
/// <param name="AttentionNorm">[dim]</param>
/// <param name="Wq">[n_heads·head_dim, dim], interleaved-RoPE row order.</param>
/// <param name="Wk">[n_kv_heads·head_dim, dim], interleaved-RoPE row order.</param>
/// <param name="Wv">[n_kv_heads·head_dim, dim]</param>
/// <param name="Wo">[dim, n_heads·head_dim]</param>
/// <param name="FfnNorm">[dim]</param>
/// <param name="W1">[hidden, dim] (gate)</param>
/// <param name="W2">[dim, hidden] (down)</param>
/// <param name="W3">[hidden, dim] (up)</param>
public sealed record HostLayerWeights(
    float[] AttentionNorm,
    float[] Wq,
    float[] Wk,
    float[] Wv,
    float[] Wo,
    float[] FfnNorm,
    float[] W1,
    float[] W2,
    float[] W3);
