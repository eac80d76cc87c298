namespace Mistral.Gpu.Roofline;

/// <summary>
/// The compulsory bytes and FLOPs of each Mistral kernel as functions of its shape. Activations,
/// KV caches and norm weights are fp32 (4 bytes), as in <c>MistralKernels</c>; linear weights use
/// a <see cref="WeightEncoding"/>. Conventions, so two people computing by hand agree:
/// a multiply-add is 2 FLOPs; exp, rsqrt, sin and cos count as 1 each where counted; attention
/// counts only its two matrix products (4 * heads * keys * head_dim), as the FlashAttention papers
/// do; integer index work and comparisons are not FLOPs.
/// </summary>
public static class KernelCosts
{
    private const int F32 = sizeof(float);

    /// <summary><c>y = x / rms(x) * w</c> per row: x^2 and its sum (2), the scale and the weight (2) per element.</summary>
    public static KernelCost RmsNorm(int rows, int dim)
    {
        long elements = (long)rows * dim;
        return new("RmsNorm", $"rows={rows} dim={dim}",
            BytesRead: (elements + dim) * F32,
            BytesWritten: elements * F32,
            Flops: 4.0 * elements);
    }

    /// <summary><c>r += d; y = r / rms(r) * w</c>: reads r, d, w; writes r and y; one add more than <see cref="RmsNorm"/>.</summary>
    public static KernelCost RmsNormResidual(int rows, int dim)
    {
        long elements = (long)rows * dim;
        return new("RmsNormResidual", $"rows={rows} dim={dim}",
            BytesRead: (2 * elements + dim) * F32,
            BytesWritten: 2 * elements * F32,
            Flops: 5.0 * elements);
    }

    /// <summary><c>y = g / (1 + exp(-g)) * u</c>: negate, exp, add, divide, multiply.</summary>
    public static KernelCost SwiGlu(long count) => new("SwiGlu", $"count={count}",
        BytesRead: 2 * count * F32,
        BytesWritten: count * F32,
        Flops: 5.0 * count);

    /// <summary><c>y[t, n] = sum_k x[t, k] W[n, k]</c>: the weights once, x once, y once; 2 FLOPs per weight per token.</summary>
    public static KernelCost MatMul(int tokens, int n, int k, WeightEncoding weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new(tokens == 1 ? "MatMul (GEMV)" : "MatMul (GEMM)", $"tokens={tokens} n={n} k={k} {weights}",
            BytesRead: weights.BytesFor(n, k) + (long)tokens * k * F32,
            BytesWritten: (long)tokens * n * F32,
            Flops: 2.0 * tokens * n * k);
    }

    /// <summary>
    /// The fused gate/up GEMV of one token with its SwiGLU epilogue, <c>y[i] = silu(x·W[i]) · (x·W[H + i])</c> over weights
    /// [2H, K]: the weights and x once, H outputs written (no gate/up round trip through memory); 2 FLOPs per weight and
    /// SwiGLU's 5 per output.
    /// </summary>
    public static KernelCost GemvSwiGlu(int hidden, int k, WeightEncoding weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new("MatMul (GEMV+SwiGLU)", $"tokens=1 n={2L * hidden} k={k} {weights}",
            BytesRead: weights.BytesFor(2 * hidden, k) + (long)k * F32,
            BytesWritten: (long)hidden * F32,
            Flops: 2.0 * 2 * hidden * k + 5.0 * hidden);
    }

    /// <summary>Rotates q and k in place, pair by pair (4 multiplies, 2 adds per pair), reading the head_dim/2 inverse frequencies once.</summary>
    public static KernelCost Rope(int tokens, int nHeads, int nKvHeads, int headDim)
    {
        long elements = (long)tokens * (nHeads + nKvHeads) * headDim;
        return new("Rope", $"tokens={tokens} heads={nHeads}/{nKvHeads} head_dim={headDim}",
            BytesRead: elements * F32 + headDim / 2 * F32,
            BytesWritten: elements * F32,
            Flops: 3.0 * elements);
    }

    /// <summary>
    /// The decode token's RoPE and cache write in one launch: q and k rotated in place, and the rotated k and the v row
    /// stored into the cache at <paramref name="cacheBytes"/> per element; k is read once for both.
    /// </summary>
    public static KernelCost RopeKvCacheWrite(int nHeads, int nKvHeads, int headDim, int cacheBytes = F32)
    {
        long rotated = (long)(nHeads + nKvHeads) * headDim;
        long kv = 2L * nKvHeads * headDim;
        return new("RopeKvCacheWrite", $"tokens=1 heads={nHeads}/{nKvHeads} head_dim={headDim}{CacheLabel(cacheBytes)}",
            BytesRead: (rotated + (long)nKvHeads * headDim) * F32 + headDim / 2 * F32,
            BytesWritten: rotated * F32 + kv * cacheBytes,
            Flops: 3.0 * rotated);
    }

    /// <summary>
    /// Copies the chunk's fp32 k and v into the rotating cache: only the last min(tokens, slots) positions survive, so only
    /// they are read and written; the cache holds <paramref name="cacheBytes"/> per element (4 for fp32, 2 for fp16).
    /// </summary>
    public static KernelCost KvCacheWrite(int tokens, int nKvHeads, int headDim, int cacheSlots, int cacheBytes = F32)
    {
        long kept = 2L * Math.Min(tokens, cacheSlots) * nKvHeads * headDim;
        return new("KvCacheWrite", $"tokens={tokens} kv_heads={nKvHeads} head_dim={headDim} slots={cacheSlots}{CacheLabel(cacheBytes)}",
            BytesRead: kept * F32, BytesWritten: kept * cacheBytes, Flops: 0);
    }

    /// <summary>Keys a query at <paramref name="position"/> attends: positions in (position - window, position].</summary>
    public static long KeysAttended(long position, int window) => Math.Min(position + 1, window);

    /// <summary>
    /// One query token at <paramref name="position"/> against the cache: q once, each cached K and V
    /// row of a KV head once (GQA shares it across the head group) at <paramref name="cacheBytes"/> per element, the
    /// output once. A function of min(position + 1, window) only: flat past the window.
    /// </summary>
    public static KernelCost AttentionDecode(int nHeads, int nKvHeads, int headDim, int window, long position, int cacheBytes = F32)
    {
        long keys = KeysAttended(position, window);
        long qBytes = (long)nHeads * headDim * F32;
        return new("AttentionDecode", $"position={position} keys={keys} heads={nHeads}/{nKvHeads} head_dim={headDim}{CacheLabel(cacheBytes)}",
            BytesRead: qBytes + 2 * keys * nKvHeads * headDim * cacheBytes,
            BytesWritten: qBytes,
            Flops: 4.0 * nHeads * keys * headDim);
    }

    /// <summary>
    /// A chunk of <paramref name="tokens"/> queries from <paramref name="startPos"/>: the chunk's q, k, v (fp32),
    /// the cached K/V rows still inside the first query's window (<paramref name="cacheBytes"/> per element), and the
    /// output; FLOPs summed over each query's own key count (causal and sliding-window masks skip the rest).
    /// </summary>
    public static KernelCost AttentionPrefill(int nHeads, int nKvHeads, int headDim, int window, int tokens, long startPos, int cacheBytes = F32)
    {
        long keys = 0;
        for (long t = 0; t < tokens; t++) keys += KeysAttended(startPos + t, window);
        long cached = Math.Min(startPos, (long)window - 1);
        long kvRow = (long)nKvHeads * headDim;
        long qBytes = (long)tokens * nHeads * headDim * F32;
        return new("AttentionPrefill", $"tokens={tokens} start={startPos} heads={nHeads}/{nKvHeads} head_dim={headDim}{CacheLabel(cacheBytes)}",
            BytesRead: qBytes + 2 * tokens * kvRow * F32 + 2 * cached * kvRow * cacheBytes,
            BytesWritten: qBytes,
            Flops: 4.0 * nHeads * headDim * keys);
    }

    /// <summary>" fp16 cache" for 2-byte caches, nothing for fp32 (so fp32 rows keep their names).</summary>
    private static string CacheLabel(int cacheBytes) => cacheBytes == F32 ? "" : cacheBytes == 2 ? " fp16 cache" : $" {cacheBytes}-byte cache";

    /// <summary>Gathers <paramref name="count"/> rows of the fp32 table: the token ids, the rows, the output.</summary>
    public static KernelCost Embedding(int count, int dim) => new("Embedding", $"tokens={count} dim={dim}",
        BytesRead: (long)count * F32 + (long)count * dim * F32,
        BytesWritten: (long)count * dim * F32,
        Flops: 0);

    /// <summary>Reads every logit of each row, writes one index per row.</summary>
    public static KernelCost Argmax(int rows, int vocab) => new("Argmax", $"rows={rows} vocab={vocab}",
        BytesRead: (long)rows * vocab * F32,
        BytesWritten: (long)rows * sizeof(int),
        Flops: 0);

    /// <summary>The bandwidth probe: 16 bytes per vector read, one 4-byte sum written per lane.</summary>
    public static KernelCost MemoryRead(long vectors, long lanes) => new("MemoryRead", $"bytes={vectors * 16} lanes={lanes}",
        BytesRead: vectors * 16,
        BytesWritten: lanes * sizeof(uint),
        Flops: 0);
}
