using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Tokenization;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>GetService answers the metadata and the objects behind the client; responses carry ids, the model id, a finish reason and usage.</summary>
public sealed class MetadataTests
{
    [Fact]
    public void A_loaded_client_reports_the_provider_and_the_folder_as_model_id()
    {
        using IChatClient client = MistralChatClient.Load(TestPaths.ShippedStories260k, new MistralChatClientOptions { Backend = BackendKind.Cpu });
        var metadata = client.GetService<ChatClientMetadata>()!;
        Assert.Equal("Mistral.Gpu", metadata.ProviderName);
        Assert.Equal("stories260k", metadata.DefaultModelId);
        Assert.Null(metadata.ProviderUri);
    }

    [Fact]
    public void GetService_answers_the_client_model_tokenizer_and_accelerator_and_nothing_keyed()
    {
        using var stories = new StoriesModel();
        using IChatClient client = stories.Client();
        Assert.Same(client, client.GetService<IChatClient>());
        Assert.Same(client, client.GetService<MistralChatClient>());
        Assert.Same(stories.Model, client.GetService<MistralModel>());
        Assert.Same(stories.Tokenizer, client.GetService<SentencePieceTokenizer>());
        Assert.Same(stories.Accelerator, client.GetService<Accelerator>());
        Assert.Null(client.GetService<ChatClientMetadata>("some key"));
        Assert.Null(client.GetService<string>());
        Assert.Throws<ArgumentNullException>(() => client.GetService(null!));
        Assert.Equal("stories260k", client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task Updates_share_one_response_id_and_end_with_finish_reason_and_usage()
    {
        using var stories = new StoriesModel();
        using var client = stories.Client();
        var before = DateTimeOffset.UtcNow;
        var (_, updates) = await StoriesModel.StreamAsync(client, StoriesModel.User("Once upon a time"), new ChatOptions { MaxOutputTokens = 10 });

        Assert.True(updates.Count >= 2);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.False(string.IsNullOrEmpty(updates[0].ResponseId));
        Assert.All(updates, u =>
        {
            Assert.Equal(ChatRole.Assistant, u.Role);
            Assert.Equal("stories260k", u.ModelId);
            Assert.Equal(updates[0].MessageId, u.MessageId);
            Assert.InRange(u.CreatedAt!.Value, before, DateTimeOffset.UtcNow);
        });
        Assert.All(updates[..^1], u => Assert.Null(u.FinishReason));
        var last = updates[^1];
        Assert.Equal("", last.Text);
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        Assert.Equal(10, Assert.IsType<UsageContent>(Assert.Single(last.Contents)).Details.OutputTokenCount);

        var response = await client.GetResponseAsync(StoriesModel.User("Once upon a time"), new ChatOptions { MaxOutputTokens = 10 });
        Assert.Equal("stories260k", response.ModelId);
        Assert.NotEqual(updates[0].ResponseId, response.ResponseId);
        Assert.Equal(response.ResponseId, response.Messages[0].MessageId);
    }

    [Fact]
    public async Task A_story_that_ends_on_its_own_finishes_with_Stop()
    {
        // stories260k ends a story with BOS, which the generator treats as a stop token.
        using var stories = new StoriesModel();
        using var client = stories.Client();
        var response = await client.GetResponseAsync(StoriesModel.User("Once upon a time"), new ChatOptions { MaxOutputTokens = 500 });
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(response.Usage!.OutputTokenCount < 500);
    }
}
