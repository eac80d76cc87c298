using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>One transformer block's weights on the device: two RMSNorm gains (fp32) and seven linear maps.</summary>
/// <param name="AttentionNorm">RMSNorm gain before attention, <c>[dim]</c>.</param>
/// <param name="Wq">Query projection <c>[nHeads·headDim, dim]</c>.</param>
/// <param name="Wk">Key projection <c>[nKvHeads·headDim, dim]</c>.</param>
/// <param name="Wv">Value projection <c>[nKvHeads·headDim, dim]</c>.</param>
/// <param name="Wo">Attention output projection <c>[dim, nHeads·headDim]</c>.</param>
/// <param name="FfnNorm">RMSNorm gain before the feed-forward, <c>[dim]</c>.</param>
/// <param name="W1">Gate projection <c>[hidden, dim]</c>.</param>
/// <param name="W2">Down projection <c>[dim, hidden]</c>.</param>
/// <param name="W3">Up projection <c>[hidden, dim]</c>.</param>
public sealed record LayerWeights(
    DeviceBuffer<float> AttentionNorm,
    LinearWeights Wq,
    LinearWeights Wk,
    LinearWeights Wv,
    LinearWeights Wo,
    DeviceBuffer<float> FfnNorm,
    LinearWeights W1,
    LinearWeights W2,
    LinearWeights W3) : IDisposable
{
    /// <summary>The seven linear maps, in checkpoint order.</summary>
    public IEnumerable<LinearWeights> Linears => [Wq, Wk, Wv, Wo, W1, W2, W3];

    /// <summary>Wq, Wk, Wv: the products of one normalised input (made once, not per token).</summary>
    public IReadOnlyList<LinearWeights> QueryKeyValue { get; } = [Wq, Wk, Wv];

    /// <summary>W1, W3: the gate and up products of one normalised input.</summary>
    public IReadOnlyList<LinearWeights> GateUp { get; } = [W1, W3];

    /// <inheritdoc />
    public void Dispose()
    {
        AttentionNorm.Dispose();
        FfnNorm.Dispose();
        foreach (var linear in Linears) linear.Dispose();
    }
}
