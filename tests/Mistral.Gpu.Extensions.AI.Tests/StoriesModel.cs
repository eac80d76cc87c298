using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Tokenization;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>The shipped stories260k loaded on an accelerator (the CPU backend unless given one), with helpers to drive a client.</summary>
public sealed class StoriesModel : IDisposable
{
    private readonly bool _ownsAccelerator;

    public StoriesModel(Accelerator? accelerator = null)
    {
        _ownsAccelerator = accelerator is null;
        Accelerator = accelerator ?? new CpuAccelerator();
        Tokenizer = SentencePieceTokenizer.Load(Path.Combine(TestPaths.ShippedStories260k, "tokenizer.model"));
        Model = MistralModel.Load(Accelerator, TestPaths.ShippedStories260k);
    }

    public Accelerator Accelerator { get; }

    public MistralModel Model { get; }

    public SentencePieceTokenizer Tokenizer { get; }

    /// <summary>A client over this model that does not own it.</summary>
    public MistralChatClient Client(MistralPromptFormat format = MistralPromptFormat.Completion, bool reuse = false) =>
        new(Model, Tokenizer, new MistralChatClientOptions { PromptFormat = format, ModelId = "stories260k", ReusePromptCache = reuse });

    /// <summary>The generator the CLI's generate and chat commands use, on a fresh KV cache.</summary>
    public TextGenerator Generator() => new(Model, Tokenizer);

    public void Dispose()
    {
        Model.Dispose();
        if (_ownsAccelerator) Accelerator.Dispose();
    }

    /// <summary>Streams a response and returns its text pieces and all updates.</summary>
    public static async Task<(string Text, List<ChatResponseUpdate> Updates)> StreamAsync(IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
            updates.Add(update);
        return (string.Concat(updates.Select(u => u.Text)), updates);
    }

    /// <summary>One user message.</summary>
    public static ChatMessage[] User(string text) => [new ChatMessage(ChatRole.User, text)];
}
