using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Sampling;
using Mistral.Gpu.Runtime.Cpu;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>Bad input fails early with a message that names what is wrong.</summary>
public sealed class RunnerBadInputTests
{
    [Fact]
    public void Token_ids_outside_the_vocabulary_are_named()
    {
        using var accelerator = new CpuAccelerator();
        using var model = Load(accelerator, SharedData.Stories260k);
        using var generator = new TextGenerator(model, RunnerStoriesTests.Tokenizer());
        var e = Assert.Throws<ArgumentException>(() => generator.Generate([1, 600, 5, -3]));
        Assert.Contains("600", e.Message);
        Assert.Contains("-3", e.Message);
        Assert.Contains("[0, 512)", e.Message);
        Assert.Throws<ArgumentException>(() => generator.Transformer.Decode(512, 0));
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_refused()
    {
        using var accelerator = new CpuAccelerator();
        using var model = Load(accelerator, SharedData.Stories260k);
        using var generator = new TextGenerator(model, RunnerStoriesTests.Tokenizer());
        int[] prompt = [1, .. Enumerable.Repeat(300, 512)];
        var e = Assert.Throws<ArgumentException>(() => generator.Generate(prompt));
        Assert.Contains("513 tokens", e.Message);
        Assert.Contains("context of 512", e.Message);
    }

    [Fact]
    public void Generation_stops_at_the_end_of_the_context()
    {
        using var accelerator = new CpuAccelerator();
        using var model = MistralModel.Load(accelerator, SharedData.Stories260k, new ModelLoadOptions { ContextLength = 16 });
        using var generator = new TextGenerator(model, RunnerStoriesTests.Tokenizer());
        var result = generator.Generate("Once upon a time", new SamplingOptions(MaxTokens: 100));
        Assert.Equal(StopReason.ContextFull, result.StopReason);
        Assert.Equal(16 - 5 + 1, result.Tokens.Count);
    }

    [Fact]
    public void A_config_contradicting_the_weights_names_the_tensor()
    {
        using var temp = new TempDirectory();
        foreach (string file in new[] { "consolidated.safetensors", "tokenizer.model" })
            File.Copy(Path.Combine(SharedData.Stories260k, file), temp.File(file));
        temp.Write("params.json", File.ReadAllText(Path.Combine(SharedData.Stories260k, "params.json")).Replace("\"hidden_dim\": 172", "\"hidden_dim\": 176"));
        using var accelerator = new CpuAccelerator();
        var e = Assert.ThrowsAny<InvalidDataException>(() => MistralModel.Load(accelerator, temp.Path));
        Assert.Contains("consolidated.safetensors", e.Message);
        Assert.Contains("176", e.Message);
        Assert.Equal(0, accelerator.LiveBufferCount);
    }

    [Fact]
    public void A_missing_model_folder_is_named()
    {
        using var accelerator = new CpuAccelerator();
        string missing = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<DirectoryNotFoundException>(() => MistralModel.Load(accelerator, missing));
        Assert.Contains(missing, e.Message);
    }
}
