using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// The forward pass of a Mistral model over a chunk of tokens, plus the state it needs between
/// calls: the rotating KV cache and scratch activations sized once for the largest chunk.
/// </summary>
/// <remarks>
/// Mirrors llama2.c's <c>forward()</c>: embed, then per layer attention and SwiGLU feed-forward with
/// pre-norm residuals, then the final norm and the classifier. A chunk of one token takes the decode
/// path (write the cache, then flash-decoding over it); a longer chunk attends to the cache plus its
/// own keys before it overwrites any slot.
/// </remarks>
public sealed class Transformer : IDisposable
{
    /// <summary>Prefill chunk length used when none is given (capped by the window and the context).</summary>
    public const int DefaultChunk = 512;

    private readonly MistralModel model;
    private readonly Accelerator acc;
    private readonly AttentionScratch attentionScratch;
    private readonly DeviceBuffer<int> tokenBuffer, argmaxBuffer;
    private readonly DeviceBuffer<float> x, n, delta, qkv, att, gateUp, hidden, logits;
    private int lastPosition;

    /// <summary>Creates the cache and scratch buffers for <paramref name="model"/>.</summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="maxChunk">Longest chunk a prefill step processes; default min(512, window, context).</param>
    /// <param name="kvCache">How the KV cache stores keys and values; default the model's <see cref="ModelLoadOptions.KvCache"/>.</param>
    public Transformer(MistralModel model, int? maxChunk = null, KvCacheFormat? kvCache = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        acc = model.Accelerator;
        MaxChunk = maxChunk ?? Math.Min(DefaultChunk, Math.Min(model.Attention.Window, model.ContextLength));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxChunk, nameof(maxChunk));
        var c = model.Config;
        int rows = MaxChunk, headDim = model.Attention.HeadDim, qDim = c.NHeads * headDim;
        Cache = new KvCache(acc, c.NLayers, model.Attention, kvCache ?? model.KvCache);
        attentionScratch = AttentionScratch.Create(acc, model.Attention);
        tokenBuffer = acc.Allocate<int>(rows);
        argmaxBuffer = acc.Allocate<int>(1);
        x = acc.Allocate<float>((long)rows * c.Dim);
        n = acc.Allocate<float>((long)rows * c.Dim);
        delta = acc.Allocate<float>((long)rows * c.Dim);
        qkv = acc.Allocate<float>((long)rows * (qDim + 2 * c.NKvHeads * headDim));
        att = acc.Allocate<float>((long)rows * qDim);
        gateUp = acc.Allocate<float>((long)rows * 2 * c.HiddenDim);
        hidden = acc.Allocate<float>((long)rows * c.HiddenDim);
        logits = acc.Allocate<float>((long)rows * c.VocabSize);
    }

    /// <summary>The model this pass runs.</summary>
    public MistralModel Model => model;

    /// <summary>The rotating key/value cache.</summary>
    public KvCache Cache { get; }

    /// <summary>Longest chunk one <see cref="ForwardChunk"/> call takes.</summary>
    public int MaxChunk { get; }

    /// <summary>Sees every launch of the passes that follow (the bench's profile); null, the default, costs nothing.</summary>
    public IForwardObserver? Observer { get; set; }

    /// <summary>Vocabulary size (columns of a logits row).</summary>
    public int VocabSize => model.Config.VocabSize;

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions <paramref name="startPos"/>.. through the model and
    /// returns the logits on the device: <c>[tokens, vocab]</c> when <paramref name="allRows"/>, else
    /// only the last token's row <c>[1, vocab]</c>. The view is valid until the next call.
    /// </summary>
    /// <param name="tokens">1..<see cref="MaxChunk"/> token ids.</param>
    /// <param name="startPos">Position of the first token; positions below it must already be in the cache.</param>
    /// <param name="allRows">Whether every row's logits are needed (the <c>logits</c> command) or only the last (generation).</param>
    public BufferView<float> ForwardChunk(ReadOnlySpan<int> tokens, int startPos, bool allRows)
    {
        if (tokens.Length > MaxChunk)
            throw new ArgumentException($"A chunk of {tokens.Length} tokens is longer than the {MaxChunk} this runner was sized for.", nameof(tokens));
        CheckTokens(tokens, startPos);
        lastPosition = startPos + tokens.Length - 1;
        var c = model.Config;
        int T = tokens.Length, dim = c.Dim, headDim = model.Attention.HeadDim, qDim = c.NHeads * headDim, kvDim = c.NKvHeads * headDim;
        float eps = (float)c.NormEps;
        tokenBuffer.CopyFrom(tokens);
        // The grouped product writes its parts one after the other: q, k, v.
        var q = qkv.Slice(0, (long)T * qDim);
        var k = qkv.Slice((long)T * qDim, (long)T * kvDim);
        var v = qkv.Slice((long)T * (qDim + kvDim), (long)T * kvDim);

        using (Step(ForwardRole.Embedding, -1, T, startPos))
            MistralKernels.Embedding(acc, model.Embedding, tokenBuffer.Slice(0, T), Rows(x, T, dim), T, dim, c.VocabSize);
        for (int l = 0; l < c.NLayers; l++)
        {
            var w = model.Layers[l];
            // n = RMSNorm(x), folding in the previous layer's feed-forward residual x += delta.
            using (Step(ForwardRole.AttentionNorm, l, T, startPos))
            {
                if (l == 0) MistralKernels.RmsNorm(acc, Rows(x, T, dim), w.AttentionNorm, Rows(n, T, dim), T, dim, eps);
                else MistralKernels.RmsNormResidual(acc, Rows(x, T, dim), Rows(delta, T, dim), w.AttentionNorm, Rows(n, T, dim), T, dim, eps);
            }

            // Attention: q, k, v = n·Wqᵀ, n·Wkᵀ, n·Wvᵀ (one GEMV for a decode step on GPUs); rotate q and k by their positions.
            using (Step(ForwardRole.QueryKeyValue, l, T, startPos))
                MistralKernels.MatMul(acc, w.QueryKeyValue, Rows(n, T, dim), Rows(qkv, T, qDim + 2 * kvDim), T);
            if (T == 1)
            {
                // Decode reads its own k/v from the cache, so rotating and writing them (one launch) go first.
                using (Step(ForwardRole.RopeKvCacheWrite, l, T, startPos)) Cache.RotateAndWrite(l, q, k, v, model.Rope, startPos);
                using (Step(ForwardRole.Attention, l, T, startPos)) Cache.AttendDecode(l, q, Rows(att, 1, qDim), startPos, attentionScratch);
            }
            else
            {
                // A chunk reads its own k/v from k/v and older positions from the cache, which the write would overwrite.
                using (Step(ForwardRole.Rope, l, T, startPos))
                    MistralKernels.Rope(acc, q, k, model.Rope, T, startPos, c.NHeads, c.NKvHeads, headDim);
                using (Step(ForwardRole.Attention, l, T, startPos))
                    Cache.AttendPrefill(l, q, k, v, Rows(att, T, qDim), T, startPos);
                using (Step(ForwardRole.KvCacheWrite, l, T, startPos)) Cache.Write(l, k, v, T, startPos);
            }
            using (Step(ForwardRole.AttentionOutput, l, T, startPos))
                MistralKernels.MatMul(acc, w.Wo, Rows(att, T, qDim), Rows(delta, T, dim), T);

            // Feed-forward: x += o; n = RMSNorm(x); delta = W2·(silu(W1·n) * (W3·n)).
            using (Step(ForwardRole.FeedForwardNorm, l, T, startPos))
                MistralKernels.RmsNormResidual(acc, Rows(x, T, dim), Rows(delta, T, dim), w.FfnNorm, Rows(n, T, dim), T, dim, eps);
            using (Step(ForwardRole.GateUpSwiGlu, l, T, startPos))
                MistralKernels.MatMulSwiGlu(acc, w.GateUp, Rows(n, T, dim), Rows(gateUp, T, 2 * c.HiddenDim), Rows(hidden, T, c.HiddenDim), T);
            using (Step(ForwardRole.Down, l, T, startPos))
                MistralKernels.MatMul(acc, w.W2, Rows(hidden, T, c.HiddenDim), Rows(delta, T, dim), T);
        }
        using (Step(ForwardRole.FinalNorm, -1, T, startPos))
            MistralKernels.RmsNormResidual(acc, Rows(x, T, dim), Rows(delta, T, dim), model.Norm, Rows(n, T, dim), T, dim, eps);

        // Classifier, only over the rows someone will read.
        int first = allRows ? 0 : T - 1, count = T - first;
        var result = Rows(logits, count, c.VocabSize);
        using (Step(ForwardRole.Output, -1, count, startPos))
            MistralKernels.MatMul(acc, model.Output, n.Slice((long)first * dim, (long)count * dim), result, count);
        return result;
    }

    /// <summary>Feeds a prompt in chunks of at most <see cref="MaxChunk"/> and returns the last token's logits row (on the device).</summary>
    /// <param name="tokens">The prompt's ids.</param>
    /// <param name="startPos">Position of the first token.</param>
    public BufferView<float> Prefill(ReadOnlySpan<int> tokens, int startPos = 0)
    {
        if (tokens.IsEmpty) throw new ArgumentException("The prompt has no tokens.", nameof(tokens));
        CheckTokens(tokens, startPos);
        BufferView<float> last = default;
        for (int s = 0; s < tokens.Length; s += MaxChunk)
        {
            int len = Math.Min(MaxChunk, tokens.Length - s);
            last = ForwardChunk(tokens.Slice(s, len), startPos + s, allRows: false);
        }
        return last;
    }

    /// <summary>Feeds one token at <paramref name="position"/> and returns its logits row (on the device).</summary>
    /// <param name="token">The token id.</param>
    /// <param name="position">Its position; earlier positions must be in the cache.</param>
    public BufferView<float> Decode(int token, int position) => ForwardChunk([token], position, allRows: false);

    /// <summary>
    /// Logits for every position of <paramref name="tokens"/> (host, <c>[tokens, vocab]</c> row-major),
    /// fed in chunks of <paramref name="chunk"/> (default <see cref="MaxChunk"/>).
    /// </summary>
    /// <param name="tokens">The token ids.</param>
    /// <param name="startPos">Position of the first token.</param>
    /// <param name="chunk">Chunk length, 1..<see cref="MaxChunk"/>.</param>
    public float[] AllLogits(ReadOnlySpan<int> tokens, int startPos = 0, int? chunk = null)
    {
        int size = chunk ?? MaxChunk;
        if (size < 1 || size > MaxChunk)
            throw new ArgumentOutOfRangeException(nameof(chunk), size, $"The chunk length must be between 1 and {MaxChunk}.");
        CheckTokens(tokens, startPos);
        var result = new float[(long)tokens.Length * VocabSize];
        for (int s = 0; s < tokens.Length; s += size)
        {
            int len = Math.Min(size, tokens.Length - s);
            var rows = ForwardChunk(tokens.Slice(s, len), startPos + s, allRows: true);
            CopyToHost(rows, result.AsSpan(s * VocabSize, len * VocabSize));
            FiniteLogits.Check(result.AsSpan(s * VocabSize, len * VocabSize), VocabSize, startPos + s);
        }
        return result;
    }

    /// <summary>The index of the largest logit in a row (lowest index wins ties), computed on the device.</summary>
    /// <param name="row">A <c>[1, vocab]</c> logits view from this runner.</param>
    /// <exception cref="InvalidDataException">Every logit of the row is NaN (the activations overflowed).</exception>
    public int Argmax(BufferView<float> row)
    {
        using (Step(ForwardRole.Argmax, -1, 1, 0))
            MistralKernels.Argmax(acc, row, argmaxBuffer, 1, VocabSize);
        Span<int> result = stackalloc int[1];
        argmaxBuffer.CopyTo(result);
        return result[0] >= 0 ? result[0] : throw FiniteLogits.AllNaN(lastPosition);
    }

    /// <summary>Copies a logits view to the host.</summary>
    /// <param name="view">The view returned by a forward call.</param>
    /// <param name="destination">At least <c>view.Length</c> floats.</param>
    public static void CopyToHost(BufferView<float> view, Span<float> destination)
    {
        if (view.Buffer is null) throw new ArgumentException("The view is empty.", nameof(view));
        view.Buffer.CopyTo(destination[..(int)view.Length], view.Offset);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming every id outside the vocabulary, or when the
    /// tokens would run past the model's context.
    /// </summary>
    /// <param name="tokens">Token ids.</param>
    /// <param name="startPos">Position of the first.</param>
    public void CheckTokens(ReadOnlySpan<int> tokens, int startPos)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startPos);
        // Called for every decode step: the list of offenders is only built when there is one.
        foreach (int t in tokens)
        {
            if ((uint)t < (uint)VocabSize) continue;
            var bad = new List<int>();
            foreach (int u in tokens)
                if ((uint)u >= (uint)VocabSize && !bad.Contains(u)) bad.Add(u);
            throw new ArgumentException($"Token id(s) {string.Join(", ", bad)} lie outside the vocabulary [0, {VocabSize}).", nameof(tokens));
        }
        if ((long)startPos + tokens.Length > model.ContextLength)
            throw new ArgumentException($"Positions {startPos}..{startPos + tokens.Length - 1} run past the model's context of {model.ContextLength} positions.", nameof(tokens));
    }

    private static BufferView<float> Rows(DeviceBuffer<float> buffer, int rows, int width) => buffer.Slice(0, (long)rows * width);

    private ObservedStep Step(ForwardRole role, int layer, int tokens, int startPos) => new(Observer, new ForwardStep(role, layer, tokens, startPos));

    /// <summary>Tells the observer, if any, around one step; a struct, so an unobserved pass allocates nothing for it.</summary>
    private readonly struct ObservedStep : IDisposable
    {
        private readonly IForwardObserver? observer;
        private readonly ForwardStep step;

        public ObservedStep(IForwardObserver? observer, ForwardStep step)
        {
            this.observer = observer;
            this.step = step;
            observer?.Starting(step);
        }

        public void Dispose() => observer?.Queued(step);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Cache.Dispose();
        attentionScratch.Dispose();
        foreach (var b in new DeviceBuffer[] { tokenBuffer, argmaxBuffer, x, n, delta, qkv, att, gateUp, hidden, logits }) b.Dispose();
    }
}
