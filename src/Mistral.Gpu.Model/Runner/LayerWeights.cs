using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// One transformer block's weights on the device: two RMSNorm gains (fp32) and seven linear maps, the products of
/// one input grouped (on GPU-shaped backends concatenated at load, so a decode step runs each group as one GEMV).
/// </summary>
/// <param name="AttentionNorm">RMSNorm gain before attention, <c>[dim]</c>.</param>
/// <param name="QueryKeyValue">Wq <c>[nHeads·headDim, dim]</c>, Wk and Wv <c>[nKvHeads·headDim, dim]</c>.</param>
/// <param name="Wo">Attention output projection <c>[dim, nHeads·headDim]</c>.</param>
/// <param name="FfnNorm">RMSNorm gain before the feed-forward, <c>[dim]</c>.</param>
/// <param name="GateUp">W1 (gate) and W3 (up), each <c>[hidden, dim]</c>.</param>
/// <param name="W2">Down projection <c>[dim, hidden]</c>.</param>
public sealed record LayerWeights(
    DeviceBuffer<float> AttentionNorm,
    LinearGroup QueryKeyValue,
    LinearWeights Wo,
    DeviceBuffer<float> FfnNorm,
    LinearGroup GateUp,
    LinearWeights W2) : IDisposable
{
    /// <summary>Query projection.</summary>
    public LinearWeights Wq => QueryKeyValue.Parts[0];

    /// <summary>Key projection.</summary>
    public LinearWeights Wk => QueryKeyValue.Parts[1];

    /// <summary>Value projection.</summary>
    public LinearWeights Wv => QueryKeyValue.Parts[2];

    /// <summary>Gate projection.</summary>
    public LinearWeights W1 => GateUp.Parts[0];

    /// <summary>Up projection.</summary>
    public LinearWeights W3 => GateUp.Parts[1];

    /// <summary>The seven linear maps, in checkpoint order.</summary>
    public IEnumerable<LinearWeights> Linears => [Wq, Wk, Wv, Wo, W1, W2, W3];

    /// <inheritdoc />
    public void Dispose()
    {
        AttentionNorm.Dispose();
        FfnNorm.Dispose();
        QueryKeyValue.Dispose();
        Wo.Dispose();
        GateUp.Dispose();
        W2.Dispose();
    }
}
