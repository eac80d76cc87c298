using System.Text.Json;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>One greedy generation of llama2.c's run.c on stories260k (../shared/models/stories260k/reference.json).</summary>
/// <param name="Prompt">The prompt text.</param>
/// <param name="Steps">run.c's -n: positions including the prompt.</param>
/// <param name="PromptIds">The prompt's ids with BOS.</param>
/// <param name="GeneratedIds">The tokens run.c sampled after the prompt.</param>
/// <param name="Completion">The generated ids decoded.</param>
public sealed record StoriesReference(string Prompt, int Steps, int[] PromptIds, int[] GeneratedIds, string Completion)
{
    /// <summary>Every case of reference.json.</summary>
    public static IReadOnlyList<StoriesReference> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.SharedStories260k, "reference.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new StoriesReference(
            c.GetProperty("prompt").GetString()!,
            c.GetProperty("steps").GetInt32(),
            c.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("generated_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("completion").GetString()!)).ToList();
    }

    /// <summary>run.c's -n counts positions including the prompt, and its last sampled token is never fed back.</summary>
    public int MaxTokens => Steps - PromptIds.Length + 1;
}
