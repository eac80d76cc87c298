using Mistral.Gpu.Kernels;
using Mistral.Gpu.Roofline;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>One kernel launch of a forward pass: its role in the block, its compulsory cost, and the launch itself.</summary>
/// <param name="Role">Where it sits ("wq", "attention", "ffn_norm").</param>
/// <param name="Cost">Bytes and FLOPs of the launch.</param>
/// <param name="Run">Queues the launch.</param>
internal sealed record BenchLaunch(string Role, KernelCost Cost, Action Run);

/// <summary>
/// The Mistral forward pass as a list of launches, so the bench can run it straight (tokens/s) or
/// with a device event between every launch (the per-kernel profile) without two copies of it.
/// Per block: h = norm(x); q,k,v = h Wq, h Wk, h Wv; rope; attention; x += att Wo;
/// h = norm(x); x += (silu(h W1) * h W3) W2. The residual add is fused into the next norm.
/// </summary>
internal static class BenchForwardPass
{
    /// <summary>
    /// <paramref name="tokens"/> tokens from position <paramref name="startPos"/> (token ids already in
    /// <see cref="BenchModel.Tokens"/>); ends with the greedy next token in <see cref="BenchModel.Next"/>.
    /// One token is a decode step (flash-decoding over the cache); more is a prefill chunk.
    /// </summary>
    public static List<BenchLaunch> Plan(BenchModel m, int tokens, int startPos)
    {
        if (tokens < 1 || tokens > m.MaxTokens) throw new ArgumentOutOfRangeException(nameof(tokens), $"1..{m.MaxTokens} tokens per pass.");
        var c = m.Config;
        var acc = m.Accelerator;
        float eps = (float)c.NormEps;
        var plan = new List<BenchLaunch>();
        void Add(string role, KernelCost cost, Action run) => plan.Add(new BenchLaunch(role, cost with { Shape = $"{role}: {cost.Shape}" }, run));
        void MatMul(string role, LinearWeights w, Runtime.BufferView<float> x, Runtime.BufferView<float> y, int rows) =>
            Add(role, KernelCosts.MatMul(rows, w.OutFeatures, w.InFeatures, EncodingOf(w)), () => MistralKernels.MatMul(acc, w, x, y, rows));
        // Products of the same x, as the runner does them (x quantised once where activations are quantised).
        void MatMuls(string role, LinearWeights[] ws, Runtime.BufferView<float> x, Runtime.BufferView<float>[] ys, int rows) =>
            Add(role, SharedInput(rows, ws), () => MistralKernels.MatMul(acc, ws, x, ys, rows));

        Add("embedding", KernelCosts.Embedding(tokens, c.Dim), () => MistralKernels.Embedding(acc, m.Embedding, m.Tokens, m.X, tokens, c.Dim, c.VocabSize));
        Add("attn_norm", KernelCosts.RmsNorm(tokens, c.Dim), () => MistralKernels.RmsNorm(acc, m.X, m.Layers[0].AttentionNorm, m.H, tokens, c.Dim, eps));
        for (int l = 0; l < m.Layers.Count; l++)
        {
            var layer = m.Layers[l];
            MatMuls("wq+wk+wv", [layer.Wq, layer.Wk, layer.Wv], m.H, [m.Q, m.K, m.V], tokens);
            Add("rope", KernelCosts.Rope(tokens, c.NHeads, c.NKvHeads, c.HeadDim),
                () => MistralKernels.Rope(acc, m.Q, m.K, m.Rope, tokens, startPos, c.NHeads, c.NKvHeads, c.HeadDim));
            int index = l;
            int cacheBytes = KvCacheFormats.BytesPerElement(m.CacheFormat);
            var write = new BenchLaunch("kv_write", KernelCosts.KvCacheWrite(tokens, c.NKvHeads, c.HeadDim, m.CacheSlots, cacheBytes),
                () => m.Cache.Write(index, m.K, m.V, tokens, startPos));
            if (tokens == 1)
            {
                // Decode reads its own k/v from the cache, so the write goes first.
                Add(write.Role, write.Cost, write.Run);
                Add("attention", KernelCosts.AttentionDecode(c.NHeads, c.NKvHeads, c.HeadDim, m.Window, startPos, cacheBytes),
                    () => m.Cache.AttendDecode(index, m.Q, m.AttentionOut, startPos, m.Scratch));
            }
            else
            {
                // Prefill reads the chunk's k/v from k/v and older positions from the cache, which the write would overwrite.
                Add("attention", KernelCosts.AttentionPrefill(c.NHeads, c.NKvHeads, c.HeadDim, m.Window, tokens, startPos, cacheBytes),
                    () => m.Cache.AttendPrefill(index, m.Q, m.K, m.V, m.AttentionOut, tokens, startPos));
                Add(write.Role, write.Cost, write.Run);
            }
            MatMul("wo", layer.Wo, m.AttentionOut, m.Delta, tokens);
            Add("ffn_norm", KernelCosts.RmsNormResidual(tokens, c.Dim),
                () => MistralKernels.RmsNormResidual(acc, m.X, m.Delta, layer.FfnNorm, m.H, tokens, c.Dim, eps));
            MatMuls("w1+w3", [layer.W1, layer.W3], m.H, [m.Gate, m.Up], tokens);
            Add("swiglu", KernelCosts.SwiGlu((long)tokens * c.HiddenDim),
                () => MistralKernels.SwiGlu(acc, m.Gate, m.Up, m.Activated, tokens * c.HiddenDim));
            MatMul("w2", layer.W2, m.Activated, m.Delta, tokens);
            var nextNorm = l + 1 < m.Layers.Count ? m.Layers[l + 1].AttentionNorm : m.FinalNorm;
            Add(l + 1 < m.Layers.Count ? "attn_norm" : "final_norm", KernelCosts.RmsNormResidual(tokens, c.Dim),
                () => MistralKernels.RmsNormResidual(acc, m.X, m.Delta, nextNorm, m.H, tokens, c.Dim, eps));
        }
        // Only the last position's logits are needed to pick the next token.
        MatMul("output", m.Output, m.H.Slice((long)(tokens - 1) * c.Dim, c.Dim), m.Logits, 1);
        Add("argmax", KernelCosts.Argmax(1, c.VocabSize), () => MistralKernels.Argmax(acc, m.Logits, m.Next, 1, c.VocabSize));
        return plan;
    }

    /// <summary>The cost of several products of one x: every matrix, x once, every output.</summary>
    public static KernelCost SharedInput(int tokens, IReadOnlyList<LinearWeights> weights)
    {
        var costs = weights.Select(w => KernelCosts.MatMul(tokens, w.OutFeatures, w.InFeatures, EncodingOf(w))).ToList();
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
