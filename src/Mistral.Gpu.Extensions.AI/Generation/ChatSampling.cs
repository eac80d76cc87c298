using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Sampling;

namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>
/// Maps ChatOptions onto the runner's <see cref="SamplingOptions"/>. Unset values mean greedy
/// decoding with no top-k/top-p filter, as <c>mistral-gpu generate</c> defaults to, so a request with
/// no options is reproducible. Errors name the ChatOptions property and the <c>options</c> argument.
/// </summary>
internal static class ChatSampling
{
    private const string ParamName = "options";

    /// <summary>The sampling for one request.</summary>
    /// <param name="options">The request's options, or null.</param>
    /// <param name="defaultMaxTokens">The client's limit when the request sets none.</param>
    public static SamplingOptions From(ChatOptions? options, int defaultMaxTokens)
    {
        float temperature = options?.Temperature ?? 0f;
        if (!float.IsFinite(temperature) || temperature < 0)
            throw new ArgumentException($"ChatOptions.Temperature must be a finite number >= 0 (0 is greedy), got {temperature}.", ParamName);
        float topP = options?.TopP ?? 1f;
        if (!(topP > 0 && topP <= 1))
            throw new ArgumentException($"ChatOptions.TopP must be in (0, 1], got {topP}.", ParamName);
        int topK = options?.TopK ?? 0;
        if (topK < 0)
            throw new ArgumentException($"ChatOptions.TopK must be >= 0 (0 keeps every token), got {topK}.", ParamName);
        int maxTokens = options?.MaxOutputTokens ?? defaultMaxTokens;
        if (maxTokens < 0)
            throw new ArgumentException($"ChatOptions.MaxOutputTokens must be >= 0, got {maxTokens}.", ParamName);
        // Stop token ids stay null: the generator then stops at the model's EOS (and BOS).
        return new SamplingOptions(temperature, topK, topP, options?.Seed, maxTokens).Validate();
    }

    /// <summary>The request's stop sequences, checked: none may be empty.</summary>
    public static IReadOnlyList<string> StopSequences(ChatOptions? options)
    {
        if (options?.StopSequences is not { Count: > 0 } stops) return [];
        for (int i = 0; i < stops.Count; i++)
        {
            if (string.IsNullOrEmpty(stops[i]))
                throw new ArgumentException($"ChatOptions.StopSequences[{i}] is empty; a stop sequence needs at least one character.", ParamName);
        }
        return [.. stops];
    }
}
