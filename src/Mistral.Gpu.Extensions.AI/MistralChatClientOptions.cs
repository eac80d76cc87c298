using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Extensions.AI;

/// <summary>Settings of a <see cref="MistralChatClient"/>; per-request sampling comes from <c>ChatOptions</c>.</summary>
public sealed class MistralChatClientOptions
{
    /// <summary>The model id reported in responses and metadata; default the model folder's name (or "mistral-gpu").</summary>
    public string? ModelId { get; set; }

    /// <summary>How messages become a prompt; default <see cref="MistralPromptFormat.Instruct"/>.</summary>
    public MistralPromptFormat PromptFormat { get; set; } = MistralPromptFormat.Instruct;

    /// <summary>Most tokens generated when <c>ChatOptions.MaxOutputTokens</c> is not set; default 256.</summary>
    public int MaxOutputTokens { get; set; } = 256;

    /// <summary>
    /// Keep the KV cache between requests and prefill only what a new prompt adds (a chat that resends
    /// its history). Off by default: a prefix fed token by token and the same prefix prefilled as a chunk
    /// can differ in the last bits, so with reuse a seeded request's output may depend on the request
    /// before it; without it every request behaves as on a freshly loaded model.
    /// </summary>
    public bool ReusePromptCache { get; set; }

    /// <summary>Backend used by <see cref="MistralChatClient.Load(string, MistralChatClientOptions?)"/>; default <c>MISTRAL_GPU_BACKEND</c>, then the best available.</summary>
    public BackendKind? Backend { get; set; }

    /// <summary>Weight format used when loading; default fp32 (exact).</summary>
    public WeightFormat Precision { get; set; } = WeightFormat.Fp32;

    /// <summary>Longest context to support when loading; default the checkpoint's <c>max_seq_len</c>.</summary>
    public int? ContextLength { get; set; }

    /// <summary>A copy, so a client keeps the settings it was created with.</summary>
    internal MistralChatClientOptions Clone() => (MistralChatClientOptions)MemberwiseClone();
}
