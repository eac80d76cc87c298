using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Mistral.Gpu.Extensions.AI.Generation;
using Mistral.Gpu.Extensions.AI.Prompting;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Tokenization;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> over one loaded Mistral-architecture model. Requests from any number
/// of callers queue for the model and run one at a time on its single KV cache, so they never see
/// each other's state; with <see cref="MistralChatClientOptions.ReusePromptCache"/> off (the default)
/// each one starts from an empty cache and gives what it would give on a freshly loaded model.
/// Use one client per loaded model: the client is what serializes work on the model's accelerator.
/// </summary>
/// <remarks>
/// ChatOptions honoured: Temperature (default 0, greedy), TopP, TopK, Seed, MaxOutputTokens,
/// StopSequences and Instructions (added to the system prompt). Others (penalties, tools, response
/// formats) are ignored. Cancelling a request stops generation after the token being computed.
/// </remarks>
public sealed class MistralChatClient : IChatClient
{
    /// <summary>The provider name in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "Mistral.Gpu";

    private const string FallbackModelId = "mistral-gpu";

    private readonly TextGenerator _generator;
    private readonly ChatPromptEncoder _encoder;
    private readonly MistralChatClientOptions _options;
    private readonly IDisposable[] _owned;
    private readonly ModelGate _gate;

    /// <summary>Creates a client over a model the caller loaded.</summary>
    /// <param name="model">The model; disposed with the client only when <paramref name="ownsModel"/>.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="options">Prompt format, default token limit, model id; copied.</param>
    /// <param name="ownsModel">Whether disposing the client disposes <paramref name="model"/> (never its accelerator).</param>
    /// <exception cref="ArgumentException">The tokenizer does not fit the model, or an option is out of range (named).</exception>
    public MistralChatClient(MistralModel model, SentencePieceTokenizer tokenizer, MistralChatClientOptions? options = null, bool ownsModel = false)
        : this(model, tokenizer, options, ownsModel ? [model] : [])
    {
    }

    private MistralChatClient(MistralModel model, SentencePieceTokenizer tokenizer, MistralChatClientOptions? options, IDisposable[] owned)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _options = (options ?? new MistralChatClientOptions()).Clone();
        if (_options.MaxOutputTokens < 0)
            throw new ArgumentException($"MistralChatClientOptions.MaxOutputTokens must be >= 0, got {_options.MaxOutputTokens}.", nameof(options));
        if (!Enum.IsDefined(_options.PromptFormat))
            throw new ArgumentException($"MistralChatClientOptions.PromptFormat {(int)_options.PromptFormat} is not a {nameof(MistralPromptFormat)}.", nameof(options));
        Model = model;
        Tokenizer = tokenizer;
        _generator = new TextGenerator(model, tokenizer);
        _encoder = new ChatPromptEncoder(tokenizer, _options.PromptFormat);
        Metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: _options.ModelId ?? FallbackModelId);
        _owned = owned;
        _gate = new ModelGate(ReleaseResources);
    }

    /// <summary>
    /// Loads the model in <paramref name="modelDirectory"/> (checkpoint + <c>tokenizer.model</c>, or one <c>.gguf</c> file) on a new
    /// accelerator of <see cref="MistralChatClientOptions.Backend"/>; the client owns both.
    /// </summary>
    /// <param name="modelDirectory">A model folder or .gguf file, as <c>mistral-gpu generate --model</c> takes.</param>
    /// <param name="options">Backend, precision, context and chat settings.</param>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="FileNotFoundException">No tokenizer or checkpoint in it.</exception>
    /// <exception cref="BackendUnavailableException">The asked backend has no device here.</exception>
    public static MistralChatClient Load(string modelDirectory, MistralChatClientOptions? options = null)
    {
        options ??= new MistralChatClientOptions();
        var tokenizer = LoadTokenizer(modelDirectory);
        var accelerator = Accelerators.Create(options.Backend);
        try
        {
            return Load(accelerator, modelDirectory, tokenizer, options, ownsAccelerator: true);
        }
        catch
        {
            accelerator.Dispose();
            throw;
        }
    }

    /// <summary>Loads the model in <paramref name="modelDirectory"/> onto <paramref name="accelerator"/>; the client owns the model, not the accelerator.</summary>
    /// <param name="accelerator">The device (for example one wrapping a host's own CUDA context).</param>
    /// <param name="modelDirectory">A model folder or .gguf file.</param>
    /// <param name="options">Precision, context and chat settings (<see cref="MistralChatClientOptions.Backend"/> is not used).</param>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="FileNotFoundException">No tokenizer or checkpoint in it.</exception>
    public static MistralChatClient Load(Accelerator accelerator, string modelDirectory, MistralChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        return Load(accelerator, modelDirectory, LoadTokenizer(modelDirectory), options ?? new MistralChatClientOptions(), ownsAccelerator: false);
    }

    /// <summary>Provider name, and the model id responses report.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>The model requests run on.</summary>
    public MistralModel Model { get; }

    /// <summary>The model's tokenizer.</summary>
    public SentencePieceTokenizer Tokenizer { get; }

    /// <summary>Sees every token the generator samples, on the generating thread (tests count tokens computed after a cancel with it).</summary>
    internal Action<GeneratedToken>? TokenSampled { get; set; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">No messages, a role or content the model cannot take, an out-of-range option, or a prompt longer than the context; the argument is named.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = Prepare(messages, options);
        using var turn = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gate.Closing);
        // Cancelled while queued but admitted anyway (the two raced): do not start a prefill for nothing.
        cancellationToken.ThrowIfCancellationRequested();
        var created = DateTimeOffset.UtcNow;
        // The forward pass blocks on the device: run it off the caller's thread, and await it even
        // when cancelled (it stops after one token) so the cache is idle before the next turn.
        var outcome = await Task.Run(() => ChatGeneration.Run(_generator, request, _options.ReusePromptCache, static _ => { }, TokenSampled, stop.Token), CancellationToken.None)
            .ConfigureAwait(false);
        ThrowIfCancelled(outcome, cancellationToken);
        string id = NewId();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, outcome.Text) { MessageId = id })
        {
            ResponseId = id,
            ModelId = Metadata.DefaultModelId,
            CreatedAt = created,
            FinishReason = outcome.FinishReason,
            Usage = outcome.Usage,
        };
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each update carries the text one token completed (more when text was held back while it could
    /// still become a stop sequence); the last one carries no text, the finish reason and the usage. The arguments are checked here, before the first update is asked for.
    /// </remarks>
    /// <exception cref="ArgumentException">No messages, a role or content the model cannot take, an out-of-range option, or a prompt longer than the context; the argument is named.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        StreamAsync(Prepare(messages, options), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Answers <see cref="ChatClientMetadata"/>, this client, its <see cref="MistralModel"/>, <see cref="SentencePieceTokenizer"/> and <see cref="Accelerator"/>; keyed requests get null.</remarks>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        if (serviceType.IsInstanceOfType(Model)) return Model;
        if (serviceType.IsInstanceOfType(Tokenizer)) return Tokenizer;
        if (serviceType.IsInstanceOfType(Model.Accelerator)) return Model.Accelerator;
        return null;
    }

    /// <summary>
    /// Stops the request in flight after its current token, fails the queued ones with
    /// <see cref="ObjectDisposedException"/>, then frees the KV cache and whatever the client owns.
    /// </summary>
    public void Dispose() => _gate.Close();

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var turn = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gate.Closing);
        cancellationToken.ThrowIfCancellationRequested();
        var handoff = new TextHandoff();
        string id = NewId();
        var created = DateTimeOffset.UtcNow;
        var worker = Task.Run(() =>
        {
            try
            {
                var result = ChatGeneration.Run(_generator, request, _options.ReusePromptCache, piece => handoff.Publish(piece, stop.Token), TokenSampled, stop.Token);
                handoff.Complete();
                return result;
            }
            catch (Exception e)
            {
                handoff.Complete(e);
                throw;
            }
        }, CancellationToken.None);

        ChatOutcome outcome;
        try
        {
            while (await handoff.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (handoff.Reader.TryRead(out string? piece))
                {
                    yield return Update(id, created, new ChatResponseUpdate(ChatRole.Assistant, piece));
                    handoff.RequestNext();
                }
            }
            outcome = await worker.ConfigureAwait(false);
        }
        finally
        {
            // Finished, cancelled or abandoned by the consumer: stop the generator and wait for it,
            // so the next request finds the KV cache idle. Its error, if any, was already rethrown
            // by the channel, so it is only observed here.
            stop.Cancel();
            await Task.WhenAny(worker).ConfigureAwait(false);
            _ = worker.Exception;
        }
        ThrowIfCancelled(outcome, cancellationToken);
        yield return Update(id, created, new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(outcome.Usage)]) { FinishReason = outcome.FinishReason });
    }

    private ChatRequest Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        var prompt = _encoder.Encode(messages, options?.Instructions);
        if (prompt.Tokens.Length > Model.ContextLength)
            throw new ArgumentException($"The conversation is {prompt.Tokens.Length} tokens long, more than the model's context of {Model.ContextLength} positions.", nameof(messages));
        return new ChatRequest(prompt, ChatSampling.From(options, _options.MaxOutputTokens), ChatSampling.StopSequences(options));
    }

    private ChatResponseUpdate Update(string id, DateTimeOffset created, ChatResponseUpdate update)
    {
        update.ResponseId = id;
        update.MessageId = id;
        update.ModelId = Metadata.DefaultModelId;
        update.CreatedAt = created;
        return update;
    }

    private void ThrowIfCancelled(ChatOutcome outcome, CancellationToken cancellationToken)
    {
        if (!outcome.Cancelled) return;
        cancellationToken.ThrowIfCancellationRequested();
        throw new ObjectDisposedException(nameof(MistralChatClient), "The client was disposed while the request was running.");
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static SentencePieceTokenizer LoadTokenizer(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        return ModelTokenizer.Load(ModelPath.Check(modelDirectory));
    }

    private static MistralChatClient Load(Accelerator accelerator, string modelDirectory, SentencePieceTokenizer tokenizer, MistralChatClientOptions options, bool ownsAccelerator)
    {
        var model = MistralModel.Load(accelerator, modelDirectory, new ModelLoadOptions { Precision = options.Precision, ContextLength = options.ContextLength });
        try
        {
            var named = options.Clone();
            named.ModelId ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory)));
            return new MistralChatClient(model, tokenizer, named, ownsAccelerator ? [model, accelerator] : [model]);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void ReleaseResources()
    {
        _generator.Dispose();
        foreach (var owned in _owned) owned.Dispose();
    }
}
