using System.Text;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Model.Sampling;
using Mistral.Gpu.Runtime.Cpu;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Where generation stops besides EOS and the token limit: at extra stop ids (the model's
/// generation_config.json, or the user's), and at stop texts, which are never streamed. On
/// stories260k's greedy reference, so the expected tokens and text are known.
/// </summary>
public sealed class StopTokenTests : IDisposable
{
    private readonly CpuAccelerator accelerator = new();
    private readonly Runner.MistralModel model;
    private readonly RunnerStoriesTests.StoryCase story = RunnerStoriesTests.Cases()[0];

    public StopTokenTests() => model = Load(accelerator, SharedData.Stories260k);

    public void Dispose()
    {
        model.Dispose();
        accelerator.Dispose();
    }

    /// <summary>The first generated position (past a few) whose id did not occur before it: stopping there keeps exactly that many tokens.</summary>
    public static (int Index, int Id) FirstFreshToken(int[] generated, int from = 5)
    {
        for (int i = from; i < generated.Length; i++)
            if (!generated.AsSpan(0, i).Contains(generated[i])) return (i, generated[i]);
        throw new InvalidOperationException("no fresh token in the reference");
    }

    [Fact]
    public void The_stories_model_still_stops_at_BOS_and_EOS_by_default()
    {
        using var generator = new TextGenerator(model, RunnerStoriesTests.Tokenizer());
        Assert.Equal(new HashSet<int> { 1, 2 }, generator.DefaultStopTokens);
    }

    [Fact]
    public void An_extra_stop_token_ends_generation_before_it()
    {
        var (index, id) = FirstFreshToken(story.GeneratedIds);
        using var generator = new TextGenerator(model, RunnerStoriesTests.Tokenizer(), extraStopTokens: [id]);
        Assert.Contains(id, generator.DefaultStopTokens);
        Assert.Contains(1, generator.DefaultStopTokens);
        var result = generator.Generate(story.Prompt, new SamplingOptions(MaxTokens: 60));
        Assert.Equal(story.GeneratedIds.Take(index), result.Tokens);
        Assert.Equal(StopReason.StopToken, result.StopReason);
        Assert.Equal(id, result.StopToken);
    }

    [Fact]
    public void A_stop_token_outside_the_vocabulary_is_refused_and_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new TextGenerator(model, RunnerStoriesTests.Tokenizer(), extraStopTokens: [5, 512]));
        Assert.Contains("512", e.Message);
        Assert.Equal("extraStopTokens", e.ParamName);
    }

    [Theory]
    [InlineData("Lily")]
    [InlineData(" named Lily")]
    [InlineData("d Li")] // spans two tokens: " named" and " Lily"
    [InlineData("park.")]
    public void A_stop_text_ends_generation_and_is_never_streamed(string stop)
    {
        using var generator = new TextGenerator(model, RunnerStoriesTests.Tokenizer());
        var streamed = new StringBuilder();
        var pieces = new List<string>();
        var result = generator.Generate(story.Prompt, new SamplingOptions(MaxTokens: 80, StopTexts: ["no such text", stop]), token =>
        {
            streamed.Append(token.Text);
            pieces.Add(token.Text);
        });
        int at = story.Completion.IndexOf(stop, StringComparison.Ordinal);
        Assert.True(at > 0, $"'{stop}' is not in the reference completion");
        Assert.Equal(story.Completion[..at], result.Text);
        Assert.Equal(result.Text, streamed.ToString());
        Assert.Equal(StopReason.StopText, result.StopReason);
        Assert.Equal(stop, result.StopText);
        Assert.Null(result.StopToken);
        // The tokens are those generated up to the one that completed the stop text.
        Assert.Equal(story.GeneratedIds.Take(result.Tokens.Count), result.Tokens);
        Assert.StartsWith(story.Completion[..(at + stop.Length)], RunnerStoriesTests.Tokenizer().Decode([.. result.Tokens]));
    }

    [Fact]
    public void A_stop_text_that_never_comes_changes_nothing()
    {
        using var generator = new TextGenerator(model, RunnerStoriesTests.Tokenizer());
        var plain = generator.Generate(story.Prompt, new SamplingOptions(MaxTokens: 40));
        var streamed = new StringBuilder();
        // "Lily's" is held back while ", she" might still follow "Lily": it must come out later.
        var watched = generator.Generate(story.Prompt, new SamplingOptions(MaxTokens: 40, StopTexts: ["Lily, she", "!!"]), token => streamed.Append(token.Text));
        Assert.Equal(plain.Tokens, watched.Tokens);
        Assert.Equal(plain.Text, watched.Text);
        Assert.Equal(plain.Text, streamed.ToString());
        Assert.Equal(StopReason.MaxTokens, watched.StopReason);
        Assert.Null(watched.StopText);
    }

    [Fact]
    public void An_empty_stop_text_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SamplingOptions(StopTexts: ["", "x"]).Validate());
        Assert.Equal(nameof(SamplingOptions.StopTexts), e.ParamName);
    }

    [Theory]
    [InlineData("""{"eos_token_id": 2}""", new[] { 2 })]
    [InlineData("""{"bos_token_id": 1, "eos_token_id": [2, 32768, 2]}""", new[] { 2, 32768 })]
    [InlineData("""{"eos_token_id": null}""", new int[0])]
    [InlineData("""{"temperature": 0.7}""", new int[0])]
    public void Generation_config_eos_ids_are_read_as_an_id_or_a_list(string json, int[] expected)
    {
        var config = GenerationConfig.Parse(json, "generation_config.json");
        Assert.Equal(expected, config.EosTokenIds);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"eos_token_id": "2"}""")]
    [InlineData("""{"eos_token_id": [2, 1.5]}""")]
    [InlineData("""[2]""")]
    public void A_bad_generation_config_names_the_file(string json)
    {
        var e = Assert.Throws<InvalidDataException>(() => GenerationConfig.Parse(json, "/models/x/generation_config.json"));
        Assert.StartsWith("/models/x/generation_config.json: ", e.Message);
    }

    [Fact]
    public void Generation_config_ids_are_checked_against_the_vocabulary()
    {
        using var temp = new TempDirectory();
        Assert.Same(GenerationConfig.None, GenerationConfig.Read(temp.Path));
        string path = temp.Write(GenerationConfig.FileName, """{"eos_token_id": [2, 600]}""");
        var config = GenerationConfig.Read(temp.Path);
        Assert.Equal(path, config.Path);
        var e = Assert.Throws<InvalidDataException>(() => config.CheckVocabulary(512));
        Assert.Contains(path, e.Message);
        Assert.Contains("600", e.Message);
    }
}
