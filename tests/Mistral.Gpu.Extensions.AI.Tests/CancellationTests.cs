using Microsoft.Extensions.AI;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// A cancelled request stops within one token — counted at the generator, not at the consumer —
/// throws OperationCanceledException, and leaves the model as good as new: the next request gives
/// exactly what the same request gives on a freshly loaded model.
/// </summary>
public sealed class CancellationTests
{
    private static readonly ChatOptions LongSampled = new() { Temperature = 0.9f, Seed = 5, MaxOutputTokens = 400 };
    private static readonly ChatOptions FollowUp = new() { Temperature = 0.8f, TopK = 40, Seed = 11, MaxOutputTokens = 40 };
    private static readonly ChatMessage[] FollowUpPrompt = StoriesModel.User("The little dog");

    [Fact]
    public async Task Consumer_cancelling_mid_stream_stops_within_one_token_and_the_next_request_matches_a_fresh_model()
    {
        using var stories = new StoriesModel();
        using var client = stories.Client();
        var counter = new TokenCounter(client);
        using var cts = new CancellationTokenSource();
        using var watch = counter.Watch(cts.Token);
        int received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(StoriesModel.User("Once upon a time"), LongSampled, cts.Token))
            {
                if (++received == 5) cts.Cancel();
            }
        });

        Assert.Equal(5, received);
        Assert.InRange(counter.AfterCancel, 0, 1);
        await AssertNextRequestMatchesFreshModel(client);
    }

    [Fact]
    public async Task Cancelling_from_another_thread_mid_generation_stops_within_one_token()
    {
        using var stories = new StoriesModel();
        using var client = stories.Client();
        var counter = new TokenCounter(client);
        using var cts = new CancellationTokenSource();
        using var watch = counter.Watch(cts.Token);

        // Another thread cancels once generation is under way (a fixed delay would race a fast backend to the
        // story's end), at whatever point of the current token it happens to be.
        bool finished = false;
        var canceller = Task.Run(async () =>
        {
            while (counter.Sampled < 10 && !Volatile.Read(ref finished)) await Task.Delay(1);
            cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            try
            {
                await foreach (var update in client.GetStreamingResponseAsync(StoriesModel.User("Once upon a time"), LongSampled, cts.Token))
                {
                }
            }
            finally
            {
                Volatile.Write(ref finished, true);
            }
        });
        await canceller;

        Assert.InRange(counter.AfterCancel, 0, 1);
        Assert.True(counter.Sampled < 400, $"generation ran to the limit ({counter.Sampled} tokens) instead of stopping");
        await AssertNextRequestMatchesFreshModel(client);
    }

    [Fact]
    public async Task Cancelling_GetResponseAsync_stops_within_one_token()
    {
        using var stories = new StoriesModel();
        using var client = stories.Client();
        var counter = new TokenCounter(client);
        using var cts = new CancellationTokenSource();
        using var watch = counter.Watch(cts.Token);
        var task = client.GetResponseAsync(StoriesModel.User("Once upon a time"), LongSampled, cts.Token);
        while (counter.Sampled < 10) await Task.Delay(5);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.InRange(counter.AfterCancel, 0, 1);
        await AssertNextRequestMatchesFreshModel(client);
    }

    [Fact]
    public async Task Walking_away_from_a_stream_stops_it_and_frees_the_model()
    {
        using var stories = new StoriesModel();
        using var client = stories.Client();
        var counter = new TokenCounter(client);
        int received = 0, sampledAtBreak = 0;
        await foreach (var update in client.GetStreamingResponseAsync(StoriesModel.User("Once upon a time"), LongSampled))
        {
            if (++received == 3)
            {
                sampledAtBreak = counter.Sampled;
                break;
            }
        }
        // Disposing the enumerator waited for the generator, so nothing runs any more.
        Assert.InRange(counter.Sampled - sampledAtBreak, 0, 1);
        await AssertNextRequestMatchesFreshModel(client);
    }

    [Fact]
    public async Task A_request_cancelled_while_queued_never_runs_and_the_running_one_is_unharmed()
    {
        using var stories = new StoriesModel();
        using var client = stories.Client();
        var options = new ChatOptions { MaxOutputTokens = 30 };
        string expected = (await client.GetResponseAsync(StoriesModel.User("Once upon a time"), options)).Text;

        var counter = new TokenCounter(client);
        await using var running = client.GetStreamingResponseAsync(StoriesModel.User("Once upon a time"), options).GetAsyncEnumerator();
        Assert.True(await running.MoveNextAsync()); // holds the model while this test waits
        using var cts = new CancellationTokenSource();
        var queued = client.GetResponseAsync(StoriesModel.User("The little dog"), options, cts.Token);
        await Task.Delay(50);
        Assert.False(queued.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);

        var text = new System.Text.StringBuilder(running.Current.Text);
        while (await running.MoveNextAsync()) text.Append(running.Current.Text);
        Assert.Equal(expected, text.ToString());
        Assert.Equal(30, counter.Sampled);
    }

    /// <summary>The follow-up request on the used client equals the same request on a model loaded just for it.</summary>
    private static async Task AssertNextRequestMatchesFreshModel(MistralChatClient used)
    {
        var next = await used.GetResponseAsync(FollowUpPrompt, FollowUp);
        var streamed = await StoriesModel.StreamAsync(used, FollowUpPrompt, FollowUp);
        using var fresh = new StoriesModel();
        using var freshClient = fresh.Client();
        var expected = await freshClient.GetResponseAsync(FollowUpPrompt, FollowUp);
        Assert.Equal(expected.Text, next.Text);
        Assert.Equal(expected.Text, streamed.Text);
        Assert.Equal(expected.Usage!.OutputTokenCount, next.Usage!.OutputTokenCount);
    }
}
