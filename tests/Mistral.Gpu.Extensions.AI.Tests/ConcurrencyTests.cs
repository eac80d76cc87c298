using Microsoft.Extensions.AI;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// One loaded model, many callers: requests queue for the single KV cache, so eight seeded sampled
/// requests fired at once (half streaming, half not) give exactly what the same eight give one
/// after another — any sharing of cache state or sampler would change some of them.
/// </summary>
public sealed class ConcurrencyTests
{
    private static readonly string[] Prompts =
    [
        "Once upon a time", "Lily and Tom went to the park.", "One day, a little cat", "The big dog",
        "Tim had a red ball.", "Mom said", "The sun was hot", "A bird sat on a tree.",
    ];

    private static ChatOptions Options(int request) => new() { Temperature = 0.9f, TopK = 40, TopP = 0.95f, Seed = 1000 + request, MaxOutputTokens = 24 + request };

    [Fact]
    public async Task Eight_concurrent_seeded_requests_equal_the_same_requests_run_one_after_another()
    {
        using var stories = new StoriesModel();
        using var client = stories.Client();

        var sequential = new List<(string Text, long? Tokens)>();
        for (int r = 0; r < Prompts.Length; r++)
        {
            var response = await client.GetResponseAsync(StoriesModel.User(Prompts[r]), Options(r));
            sequential.Add((response.Text, response.Usage!.OutputTokenCount));
        }

        // Each call runs synchronously up to the gate, so all eight are queued before the first finishes.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var concurrent = Enumerable.Range(0, Prompts.Length).Select(async r =>
        {
            if (r % 2 == 0)
            {
                var response = await client.GetResponseAsync(StoriesModel.User(Prompts[r]), Options(r));
                return (response.Text, response.Usage!.OutputTokenCount, Done: clock.Elapsed);
            }
            var (text, updates) = await StoriesModel.StreamAsync(client, StoriesModel.User(Prompts[r]), Options(r));
            return (text, updates[^1].Contents.OfType<UsageContent>().Single().Details.OutputTokenCount, Done: clock.Elapsed);
        }).ToArray();
        var issued = clock.Elapsed;
        var results = await Task.WhenAll(concurrent);
        Assert.True(results.Min(r => r.Done) > issued, "a request finished before all were issued");

        for (int r = 0; r < Prompts.Length; r++)
        {
            Assert.Equal(sequential[r].Text, results[r].Item1);
            Assert.Equal(24 + r, results[r].Item2);
        }
        Assert.Equal(Prompts.Length, sequential.Select(s => s.Text).Distinct().Count());
    }
}
