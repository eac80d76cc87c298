using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Roofline;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// The compulsory cost of each step of the runner's forward pass (<see cref="ForwardStep"/>), from the model's
/// shapes and the matrices' own storage, labelled "role: shape" as the profile prints them.
/// </summary>
internal static class BenchCosts
{
    /// <summary>The cost of <paramref name="step"/> on <paramref name="model"/>.</summary>
    public static KernelCost Of(BenchModel model, ForwardStep step)
    {
        var c = model.Config;
        int t = step.Tokens, pos = step.StartPosition;
        int cacheBytes = KvCacheFormats.BytesPerElement(model.CacheFormat);
        var layer = step.Layer >= 0 ? model.Model.Layers[step.Layer] : null;
        var (role, cost) = step.Role switch
        {
            ForwardRole.Embedding => ("embedding", KernelCosts.Embedding(t, c.Dim)),
            ForwardRole.AttentionNorm => ("attn_norm", step.Layer == 0 ? KernelCosts.RmsNorm(t, c.Dim) : KernelCosts.RmsNormResidual(t, c.Dim)),
            ForwardRole.QueryKeyValue => ("wq+wk+wv", SharedInput(t, layer!.QueryKeyValue.Parts)),
            ForwardRole.Rope => ("rope", KernelCosts.Rope(t, c.NHeads, c.NKvHeads, c.HeadDim)),
            ForwardRole.KvCacheWrite => ("kv_write", KernelCosts.KvCacheWrite(t, c.NKvHeads, c.HeadDim, model.CacheSlots, cacheBytes)),
            ForwardRole.RopeKvCacheWrite => ("rope+kv_write", KernelCosts.RopeKvCacheWrite(c.NHeads, c.NKvHeads, c.HeadDim, cacheBytes)),
            ForwardRole.Attention when t == 1 => ("attention", KernelCosts.AttentionDecode(c.NHeads, c.NKvHeads, c.HeadDim, model.Window, pos, cacheBytes)),
            ForwardRole.Attention => ("attention", KernelCosts.AttentionPrefill(c.NHeads, c.NKvHeads, c.HeadDim, model.Window, t, pos, cacheBytes)),
            ForwardRole.AttentionOutput => ("wo", MatMul(t, layer!.Wo)),
            ForwardRole.FeedForwardNorm => ("ffn_norm", KernelCosts.RmsNormResidual(t, c.Dim)),
            ForwardRole.GateUpSwiGlu => ("w1+w3+swiglu", GateUpSwiGlu(t, layer!.GateUp.Parts)),
            ForwardRole.Down => ("w2", MatMul(t, layer!.W2)),
            ForwardRole.FinalNorm => ("final_norm", KernelCosts.RmsNormResidual(t, c.Dim)),
            ForwardRole.Output => ("output", MatMul(t, model.Model.Output)),
            ForwardRole.Argmax => ("argmax", KernelCosts.Argmax(1, c.VocabSize)),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step.Role, "A forward step the bench has no cost for."),
        };
        return cost with { Shape = $"{role}: {cost.Shape}" };
    }

    private static KernelCost MatMul(int tokens, LinearWeights w) => KernelCosts.MatMul(tokens, w.OutFeatures, w.InFeatures, EncodingOf(w));

    /// <summary>The gate/up products and SwiGLU: for one token the fused GEMV's compulsory traffic (no gate/up round trip), else the two steps'.</summary>
    private static KernelCost GateUpSwiGlu(int tokens, IReadOnlyList<LinearWeights> parts)
    {
        if (tokens == 1) return KernelCosts.GemvSwiGlu(parts[0].OutFeatures, parts[0].InFeatures, EncodingOf(parts[0]));
        var products = SharedInput(tokens, parts);
        var swiGlu = KernelCosts.SwiGlu((long)tokens * parts[0].OutFeatures);
        return products with
        {
            Shape = products.Shape + " +swiglu",
            BytesRead = products.BytesRead + swiGlu.BytesRead,
            BytesWritten = products.BytesWritten + swiGlu.BytesWritten,
            Flops = products.Flops + swiGlu.Flops,
        };
    }

    /// <summary>The cost of several products of one x: every matrix, x once, every output.</summary>
    public static KernelCost SharedInput(int tokens, IReadOnlyList<LinearWeights> weights)
    {
        var costs = weights.Select(w => MatMul(tokens, w)).ToList();
        long x = (long)tokens * weights[0].InFeatures * sizeof(float);
        return new KernelCost(costs[0].Kernel,
            $"tokens={tokens} n={string.Join("+", weights.Select(w => w.OutFeatures))} k={weights[0].InFeatures} {EncodingOf(weights[0])}",
            costs.Sum(c => c.BytesRead) - (costs.Count - 1) * x, costs.Sum(c => c.BytesWritten), costs.Sum(c => c.Flops));
    }

    /// <summary>The storage of one matrix, read from the matrix itself: a loader may keep a matrix in fp16 that int4 cannot hold.</summary>
    public static WeightEncoding EncodingOf(LinearWeights weights) => weights switch
    {
        Int4Weights int4 => WeightEncoding.Int4(int4.GroupSize),
        { Format: WeightFormat.Fp16 } => WeightEncoding.Fp16,
        _ => WeightEncoding.Fp32,
    };
}
