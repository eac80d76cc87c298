using Microsoft.Extensions.AI;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// Bad input fails before anything is queued, with an ArgumentException that names the argument and
/// says what is wrong — for the streaming call at the call itself, not at the first MoveNext.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly StoriesModel stories = new();
    private readonly MistralChatClient instruct, completion;

    public BadInputTests()
    {
        instruct = stories.Client(MistralPromptFormat.Instruct);
        completion = stories.Client(MistralPromptFormat.Completion);
    }

    public void Dispose()
    {
        instruct.Dispose();
        completion.Dispose();
        stories.Dispose();
    }

    public static TheoryData<ChatMessage[], string> BadMessages() => new()
    {
        { [], "empty" },
        { [new(ChatRole.User, "hi"), new(ChatRole.Tool, "42")], "'tool'" },
        { [new(new ChatRole("critic"), "meh")], "'critic'" },
        { [new(ChatRole.User, [new DataContent(new byte[] { 1, 2, 3 }, "image/png")])], "DataContent" },
        { [new(ChatRole.User, [new FunctionCallContent("c1", "f")])], "FunctionCallContent" },
        { [null!], "null" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public async Task Unusable_messages_are_rejected_naming_messages(ChatMessage[] messages, string mentions)
    {
        foreach (var client in new[] { instruct, completion })
        {
            var streaming = Assert.Throws<ArgumentException>(() => client.GetStreamingResponseAsync(messages));
            var buffered = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(messages));
            foreach (var e in new[] { streaming, buffered })
            {
                Assert.Equal("messages", e.ParamName);
                Assert.Contains(mentions, e.Message);
            }
        }
    }

    public static TheoryData<ChatMessage[], string> BadConversations() => new()
    {
        { [new(ChatRole.User, "hi"), new(ChatRole.Assistant, "hello")], "last message" },
        { [new(ChatRole.User, "hi"), new(ChatRole.System, "be nice"), new(ChatRole.User, "ok")], "system" },
        { [new(ChatRole.System, "be nice")], "user" },
        { [new(ChatRole.Assistant, "hello"), new(ChatRole.User, "hi")], "User" },
    };

    [Theory]
    [MemberData(nameof(BadConversations))]
    public async Task Conversations_the_instruct_template_cannot_express_are_rejected(ChatMessage[] messages, string mentions)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => instruct.GetResponseAsync(messages));
        Assert.Equal("messages", e.ParamName);
        Assert.Contains(mentions, e.Message);
    }

    public static TheoryData<string, float> BadOptions() => new()
    {
        { "MaxOutputTokens", -1 },
        { "Temperature", -0.5f },
        { "Temperature", float.NaN },
        { "TopP", 0f },
        { "TopP", 1.5f },
        { "TopK", -3 },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Out_of_range_options_are_rejected_naming_options(string property, float value)
    {
        var options = property switch
        {
            "MaxOutputTokens" => new ChatOptions { MaxOutputTokens = (int)value },
            "Temperature" => new ChatOptions { Temperature = value },
            "TopP" => new ChatOptions { TopP = value },
            _ => new ChatOptions { TopK = (int)value },
        };
        await AssertRejectsOptions(options, $"ChatOptions.{property}");
    }

    [Fact]
    public Task An_empty_stop_sequence_is_rejected_naming_its_index() =>
        AssertRejectsOptions(new ChatOptions { StopSequences = ["ok", ""] }, "ChatOptions.StopSequences[1]");

    private async Task AssertRejectsOptions(ChatOptions options, string mentions)
    {
        var streaming = Assert.Throws<ArgumentException>(() => completion.GetStreamingResponseAsync(StoriesModel.User("hi"), options));
        var buffered = await Assert.ThrowsAsync<ArgumentException>(() => completion.GetResponseAsync(StoriesModel.User("hi"), options));
        foreach (var e in new[] { streaming, buffered })
        {
            Assert.Equal("options", e.ParamName);
            Assert.Contains(mentions, e.Message);
        }
    }

    [Fact]
    public async Task Null_messages_throw_ArgumentNullException()
    {
        Assert.Equal("messages", Assert.Throws<ArgumentNullException>(() => completion.GetStreamingResponseAsync(null!)).ParamName);
        Assert.Equal("messages", (await Assert.ThrowsAsync<ArgumentNullException>(() => completion.GetResponseAsync((IEnumerable<ChatMessage>)null!))).ParamName);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_rejected()
    {
        string longText = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 200));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => completion.GetResponseAsync(StoriesModel.User(longText)));
        Assert.Equal("messages", e.ParamName);
        Assert.Contains($"context of {stories.Model.ContextLength}", e.Message);
    }

    [Fact]
    public void Client_options_are_checked_when_the_client_is_made()
    {
        var e = Assert.Throws<ArgumentException>(() => new MistralChatClient(stories.Model, stories.Tokenizer, new MistralChatClientOptions { MaxOutputTokens = -2 }));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("MaxOutputTokens", e.Message);
        Assert.Equal("options", Assert.Throws<ArgumentException>(() => new MistralChatClient(stories.Model, stories.Tokenizer, new MistralChatClientOptions { PromptFormat = (MistralPromptFormat)7 })).ParamName);
    }

    [Fact]
    public void Loading_a_missing_folder_says_which()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-mistral-model-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<DirectoryNotFoundException>(() => MistralChatClient.Load(missing));
        Assert.Contains(missing, e.Message);
        Assert.Throws<ArgumentException>(() => MistralChatClient.Load(""));
    }

    [Fact]
    public async Task Zero_max_output_tokens_generates_nothing_and_finishes_on_length()
    {
        var response = await completion.GetResponseAsync(StoriesModel.User("Once upon a time"), new ChatOptions { MaxOutputTokens = 0 });
        Assert.Equal("", response.Text);
        Assert.Equal(0, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }
}
