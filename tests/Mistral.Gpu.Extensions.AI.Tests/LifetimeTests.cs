using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Sampling;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>Disposing the client frees what it owns and only that, never under a running generation, and fails later calls clearly.</summary>
public sealed class LifetimeTests
{
    [Fact]
    public async Task Disposing_leaves_a_model_the_client_does_not_own_usable()
    {
        using var stories = new StoriesModel();
        var client = stories.Client();
        await client.GetResponseAsync(StoriesModel.User("Once upon a time"), new ChatOptions { MaxOutputTokens = 5 });
        client.Dispose();
        client.Dispose();

        Assert.False(stories.Model.Embedding.IsDisposed);
        using var generator = stories.Generator();
        var story = StoriesReference.Load()[0];
        Assert.Equal(story.GeneratedIds.Take(20), generator.Generate(story.Prompt, new SamplingOptions(MaxTokens: 20)).Tokens);
    }

    [Fact]
    public void OwnsModel_disposes_the_model_but_not_its_accelerator()
    {
        using var stories = new StoriesModel();
        var client = new MistralChatClient(stories.Model, stories.Tokenizer, ownsModel: true);
        client.Dispose();
        Assert.True(stories.Model.Embedding.IsDisposed);
        Assert.False(stories.Accelerator.IsDisposed);
    }

    [Fact]
    public void A_loaded_client_owns_its_model_and_accelerator()
    {
        var client = MistralChatClient.Load(TestPaths.ShippedStories260k, new MistralChatClientOptions { Backend = BackendKind.Cpu });
        var model = client.Model;
        client.Dispose();
        Assert.True(model.Embedding.IsDisposed);
        Assert.True(model.Accelerator.IsDisposed);
    }

    [Fact]
    public void A_client_loaded_onto_a_given_accelerator_leaves_the_accelerator_alone()
    {
        using var accelerator = Accelerators.Create(BackendKind.Cpu);
        var client = MistralChatClient.Load(accelerator, TestPaths.ShippedStories260k);
        var model = client.Model;
        client.Dispose();
        Assert.True(model.Embedding.IsDisposed);
        Assert.False(accelerator.IsDisposed);
    }

    [Fact]
    public async Task Calls_after_dispose_throw_ObjectDisposedException()
    {
        using var stories = new StoriesModel();
        var client = stories.Client();
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.GetStreamingResponseAsync(StoriesModel.User("hi")));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync(StoriesModel.User("hi")));
    }

    [Fact]
    public async Task Disposing_from_inside_a_stream_stops_it_fails_the_queue_then_frees_the_model_without_deadlock()
    {
        var client = MistralChatClient.Load(TestPaths.ShippedStories260k, new MistralChatClientOptions { Backend = BackendKind.Cpu, PromptFormat = MistralPromptFormat.Completion });
        var model = client.Model;
        var counter = new TokenCounter(client);
        Task<ChatResponse>? queued = null;
        int received = 0, sampledAtDispose = 0;
        var failure = await Assert.ThrowsAsync<ObjectDisposedException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(StoriesModel.User("Once upon a time"), new ChatOptions { MaxOutputTokens = 400 }))
            {
                // This stream holds the model, so this request waits behind it.
                queued ??= client.GetResponseAsync(StoriesModel.User("The dog"));
                if (++received != 3) continue;
                sampledAtDispose = counter.Sampled;
                client.Dispose();
                // The generator is still parked in this stream's turn: nothing may be freed yet.
                Assert.False(model.Embedding.IsDisposed);
            }
        });
        Assert.Contains("disposed", failure.Message);
        Assert.InRange(counter.Sampled - sampledAtDispose, 0, 1);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queued!);
        Assert.True(model.Embedding.IsDisposed);
        Assert.True(model.Accelerator.IsDisposed);
    }
}
