using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Sampling;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Generation;

/// <summary>
/// Prompt in, text out: encodes the prompt (with BOS), prefills it, then decodes one token at a time
/// with the chosen sampling until a stop token, the token limit or the end of the context, streaming
/// text as it goes. Keeps what it has fed in the KV cache, so a follow-up prompt that extends the
/// previous sequence (a chat) only feeds the new tokens.
/// </summary>
public sealed class TextGenerator : IDisposable
{
    private readonly List<int> cached = [];

    /// <summary>Creates a generator (and its KV cache) for <paramref name="model"/>.</summary>
    /// <param name="model">The loaded model; not owned.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="maxChunk">Longest prefill chunk; default min(512, window, context).</param>
    /// <param name="extraStopTokens">
    /// More ids that end generation besides EOS and BOS: those a model's <c>generation_config.json</c>
    /// names (<see cref="Checkpoints.GenerationConfig"/>), or the user's.
    /// </param>
    /// <exception cref="ArgumentException">The tokenizer does not fit the model, or a stop id is outside the vocabulary.</exception>
    public TextGenerator(MistralModel model, SentencePieceTokenizer tokenizer, int? maxChunk = null, IEnumerable<int>? extraStopTokens = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabSize != model.Config.VocabSize)
            throw new ArgumentException($"The tokenizer has {tokenizer.VocabSize} pieces but the model's vocabulary is {model.Config.VocabSize}.", nameof(tokenizer));
        var stops = new HashSet<int> { tokenizer.EosId, tokenizer.BosId };
        foreach (int id in extraStopTokens ?? [])
        {
            if (id < 0 || id >= model.Config.VocabSize)
                throw new ArgumentException($"Stop token id {id} is outside the vocabulary of {model.Config.VocabSize} tokens (0..{model.Config.VocabSize - 1}).", nameof(extraStopTokens));
            stops.Add(id);
        }
        Tokenizer = tokenizer;
        Transformer = new Transformer(model, maxChunk);
        DefaultStopTokens = stops;
    }

    /// <summary>The forward pass and its cache.</summary>
    public Transformer Transformer { get; }

    /// <summary>The tokenizer.</summary>
    public SentencePieceTokenizer Tokenizer { get; }

    /// <summary>
    /// EOS and BOS, and the extra stop tokens given to the constructor. BOS is a stop token because no
    /// model should emit it mid-text, and some (llama2.c's stories models) end every text with it
    /// instead of EOS.
    /// </summary>
    public IReadOnlySet<int> DefaultStopTokens { get; }

    /// <summary>Encodes <paramref name="prompt"/> with BOS and generates from it.</summary>
    /// <param name="prompt">The prompt text.</param>
    /// <param name="options">Sampling and stopping; default greedy, 256 tokens, stop at <see cref="DefaultStopTokens"/> (when <see cref="SamplingOptions.StopTokenIds"/> is null).</param>
    /// <param name="onToken">Called for every generated token with the text it makes printable.</param>
    /// <param name="cancellationToken">Stops after the current token.</param>
    public GenerationResult Generate(string prompt, SamplingOptions? options = null, Action<GeneratedToken>? onToken = null, CancellationToken cancellationToken = default) =>
        Generate(Tokenizer.Encode(prompt, addBos: true), options, onToken, cancellationToken);

    /// <summary>Generates a continuation of <paramref name="promptTokens"/> (which should start with BOS).</summary>
    /// <param name="promptTokens">The prompt's ids.</param>
    /// <param name="options">Sampling and stopping; default greedy, 256 tokens, stop at <see cref="DefaultStopTokens"/> (when <see cref="SamplingOptions.StopTokenIds"/> is null).</param>
    /// <param name="onToken">Called for every generated token with the text it makes printable.</param>
    /// <param name="cancellationToken">Stops after the current token.</param>
    /// <exception cref="ArgumentException">An empty prompt, ids outside the vocabulary (named), or a prompt longer than the context.</exception>
    public GenerationResult Generate(IReadOnlyList<int> promptTokens, SamplingOptions? options = null, Action<GeneratedToken>? onToken = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? SamplingOptions.Greedy).Validate();
        CheckPrompt(promptTokens);
        int[] prompt = [.. promptTokens];
        int context = Transformer.Model.ContextLength;
        IReadOnlyCollection<int> stops = options.StopTokenIds is { } explicitStops ? explicitStops : DefaultStopTokens;
        var sampler = options.Temperature > 0 ? new Sampler(options) : null;
        var acc = Transformer.Model.Accelerator;

        // Prefill only what the cache does not already hold.
        int reuse = ReusablePrefix(prompt);
        cached.RemoveRange(reuse, cached.Count - reuse);
        var clock = Stopwatch.StartNew();
        var logits = Transformer.Prefill(prompt.AsSpan(reuse), reuse);
        cached.AddRange(prompt.AsSpan(reuse));
        acc.Synchronize();
        double prefillSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var generated = new List<int>();
        var text = new System.Text.StringBuilder();
        var decoder = Tokenizer.CreateStreamDecoder();
        if (prompt[^1] == Tokenizer.BosId) decoder.Append(prompt[^1]); // the first piece after BOS drops its space
        var hostLogits = sampler is null ? null : new float[Transformer.VocabSize];
        var stopTexts = new StopTextMatcher(options.StopTexts);
        StopReason reason;
        int? stopToken = null;
        string? stopText = null;
        int decodeSteps = 0;
        while (true)
        {
            int next;
            if (sampler is null) next = Transformer.Argmax(logits);
            else
            {
                Transformer.CopyToHost(logits, hostLogits!);
                FiniteLogits.Check(hostLogits, Transformer.VocabSize, cached.Count - 1);
                next = sampler.Sample(hostLogits);
            }
            if (stops.Contains(next)) { reason = StopReason.StopToken; stopToken = next; break; }
            if (generated.Count >= options.MaxTokens) { reason = StopReason.MaxTokens; break; }
            generated.Add(next);
            string piece = stopTexts.Feed(decoder.Append(next), out stopText);
            text.Append(piece);
            onToken?.Invoke(new GeneratedToken(next, piece));
            if (stopText is not null) { reason = StopReason.StopText; break; }
            if (generated.Count >= options.MaxTokens) { reason = StopReason.MaxTokens; break; }
            if (cancellationToken.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
            if (cached.Count >= context) { reason = StopReason.ContextFull; break; }
            logits = Transformer.Decode(next, cached.Count);
            cached.Add(next);
            decodeSteps++;
        }
        if (stopText is null)
        {
            // Bytes of an unfinished character, then any text held back as the start of a stop text that never came.
            string tail = stopTexts.Feed(decoder.Flush(), out stopText);
            if (stopText is not null) reason = StopReason.StopText;
            else tail += stopTexts.Release();
            if (tail.Length > 0)
            {
                text.Append(tail);
                onToken?.Invoke(new GeneratedToken(-1, tail));
            }
        }
        return new GenerationResult(prompt, generated, text.ToString(), reason, stopToken, prompt.Length - reuse, prefillSeconds, decodeSteps, clock.Elapsed.TotalSeconds, stopText);
    }

    /// <summary>
    /// Throws what <see cref="Generate(IReadOnlyList{int}, SamplingOptions?, Action{GeneratedToken}?, CancellationToken)"/>
    /// would for this prompt, before anything runs: so a caller can reject a prompt before echoing it.
    /// </summary>
    /// <param name="promptTokens">The prompt's ids.</param>
    /// <exception cref="ArgumentException">An empty prompt, ids outside the vocabulary (named), or a prompt longer than the context.</exception>
    public void CheckPrompt(IReadOnlyList<int> promptTokens)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        int context = Transformer.Model.ContextLength;
        if (promptTokens.Count == 0) throw new ArgumentException("The prompt has no tokens.", nameof(promptTokens));
        if (promptTokens.Count > context)
            throw new ArgumentException($"The prompt has {promptTokens.Count} tokens, more than the model's context of {context} positions.", nameof(promptTokens));
        Transformer.CheckTokens([.. promptTokens], 0);
    }

    /// <summary>Generates on a worker thread and yields the tokens as they come.</summary>
    /// <param name="prompt">The prompt text.</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="cancellationToken">Stops the generation after the current token.</param>
    public async IAsyncEnumerable<GeneratedToken> StreamAsync(string prompt, SamplingOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var worker = Task.Run(() =>
        {
            try
            {
                Generate(prompt, options, token => channel.Writer.TryWrite(token), cancellationToken);
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, CancellationToken.None);
        await foreach (var token in channel.Reader.ReadAllAsync(CancellationToken.None))
            yield return token;
        await worker;
    }

    /// <summary>Forgets the cached sequence, so the next prompt is prefilled from position 0.</summary>
    public void Reset() => cached.Clear();

    /// <summary>
    /// How many leading prompt tokens are already in the cache at the right positions. At least the
    /// last prompt token is fed again (its logits are needed). With a sliding window, positions fed
    /// after the shared prefix have overwritten slots the prefix still needs, unless at most one was.
    /// </summary>
    private int ReusablePrefix(int[] prompt)
    {
        int common = 0;
        while (common < cached.Count && common < prompt.Length - 1 && cached[common] == prompt[common]) common++;
        bool wraps = Transformer.Model.Attention.Window != int.MaxValue;
        return wraps && cached.Count > common + 1 ? 0 : common;
    }

    /// <inheritdoc />
    public void Dispose() => Transformer.Dispose();
}
