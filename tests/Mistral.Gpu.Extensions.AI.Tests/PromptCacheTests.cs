using Microsoft.Extensions.AI;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// ReusePromptCache: a chat that resends its history prefills only the new turn (reported as cached
/// input tokens) and answers as a client without reuse does; without it nothing is ever cached.
/// </summary>
public sealed class PromptCacheTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_follow_up_turn_reuses_the_history_only_when_asked(bool reuse)
    {
        using var stories = new StoriesModel();
        using var client = stories.Client(MistralPromptFormat.Instruct, reuse);
        var options = new ChatOptions { MaxOutputTokens = 12 };
        var history = new List<ChatMessage> { new(ChatRole.User, "Tell me a story.") };

        var first = await client.GetResponseAsync(history, options);
        Assert.Equal(0, first.Usage!.CachedInputTokenCount);
        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.User, "And then?"));
        var second = await client.GetResponseAsync(history, options);

        using var plain = stories.Client(MistralPromptFormat.Instruct);
        var expected = await plain.GetResponseAsync(history, options);
        Assert.Equal(expected.Text, second.Text);
        Assert.Equal(expected.Usage!.InputTokenCount, second.Usage!.InputTokenCount);
        if (reuse) Assert.InRange(second.Usage.CachedInputTokenCount!.Value, first.Usage.InputTokenCount!.Value, second.Usage.InputTokenCount!.Value - 1);
        else Assert.Equal(0, second.Usage.CachedInputTokenCount);
    }
}
