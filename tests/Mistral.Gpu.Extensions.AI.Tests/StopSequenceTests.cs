using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Sampling;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// Stop sequences end the answer before their first occurrence, stop generation on the token that
/// completes one (no tokens wasted after it), and never leak part of one into the stream. The
/// expected text is cut from the generate path's full greedy text.
/// </summary>
public sealed class StopSequenceTests
{
    private const string Prompt = "Once upon a time";
    private const int MaxTokens = 96;

    public static TheoryData<string[]> Stops() => new()
    {
        new[] { "girl named" },          // spans two tokens
        new[] { "park", "Lily" },        // the earlier match wins, whichever is listed first
        new[] { "red ball", "a big, red" },
        new[] { ".\n" },                 // a newline in the middle of a piece
    };

    [Theory]
    [MemberData(nameof(Stops))]
    public async Task Answer_ends_before_the_first_stop_sequence(string[] stops)
    {
        using var stories = new StoriesModel();
        using var generator = stories.Generator();
        var full = generator.Generate(Prompt, new SamplingOptions(MaxTokens: MaxTokens));
        int cut = stops.Select(s => full.Text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).Min();
        // The token that completes the earliest match is the last one generated.
        int tokensNeeded = Enumerable.Range(1, full.Tokens.Count).First(k =>
            stops.Any(s => stories.Tokenizer.Decode(full.Tokens.Take(k).ToArray()).Contains(s, StringComparison.Ordinal)));

        using var client = stories.Client(MistralPromptFormat.Completion);
        var options = new ChatOptions { MaxOutputTokens = MaxTokens, StopSequences = stops };
        var (text, updates) = await StoriesModel.StreamAsync(client, StoriesModel.User(Prompt), options);
        var response = await client.GetResponseAsync(StoriesModel.User(Prompt), options);

        Assert.Equal(full.Text[..cut], text);
        Assert.Equal(full.Text[..cut], response.Text);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(tokensNeeded, response.Usage!.OutputTokenCount);
        Assert.Equal(tokensNeeded, updates[^1].Contents.OfType<UsageContent>().Single().Details.OutputTokenCount);
    }

    [Fact]
    public async Task A_stop_sequence_that_never_completes_changes_nothing()
    {
        using var stories = new StoriesModel();
        using var generator = stories.Generator();
        var full = generator.Generate(Prompt, new SamplingOptions(MaxTokens: MaxTokens));
        Assert.Contains("little girl", full.Text);

        using var client = stories.Client(MistralPromptFormat.Completion);
        // "little " is held back while it could still become "little boy", then released.
        var (text, updates) = await StoriesModel.StreamAsync(client, StoriesModel.User(Prompt), new ChatOptions { MaxOutputTokens = MaxTokens, StopSequences = ["little boy"] });
        Assert.Equal(full.Text, text);
        Assert.Equal(ChatFinishReason.Length, updates[^1].FinishReason);
    }
}
