using System.Text.Json;
using Mistral.Gpu.Model.Tokenization;
using static Mistral.Gpu.Model.Tests.CliCommandTests;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// <c>--model PATH</c> as a .gguf file (generate reproduces the stories260k greedy reference from a GGUF of it, its
/// tokenizer from the metadata), and the write-synthetic / bench load pair at a small shape.
/// </summary>
public sealed class CliModelPathTests
{
    [Fact]
    public void Generate_from_a_gguf_file_is_the_greedy_reference()
    {
        var story = RunnerStoriesTests.Cases()[0];
        using var dir = new TempDirectory();
        var tokenizer = SentencePieceTokenizer.Load(Path.Combine(SharedData.Stories260k, "tokenizer.model"));
        string gguf = GgufExport.FromCheckpoint(SharedData.Stories260k, tokenizer: tokenizer).WriteTo(dir.File("stories260k.gguf"));
        var run = Cli.Run("generate", "Once upon a time", "--model", gguf, "--max-tokens", "20", "--json", "--backend", "cpu");
        Assert.True(run.ExitCode == 0, run.StdErr);
        using var json = JsonDocument.Parse(run.StdOut);
        Assert.Equal(story.PromptIds, json.RootElement.GetProperty("prompt_tokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(story.GeneratedIds.Take(20), json.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void A_missing_or_bad_gguf_is_one_line_naming_it()
    {
        using var dir = new TempDirectory();
        AssertOneLineError(Cli.Run("generate", "--model", dir.File("absent.gguf"), "--backend", "cpu"), "absent.gguf");
        string bad = dir.Write("bad.gguf", "GGUF\u0003"u8.ToArray());
        AssertOneLineError(Cli.Run("generate", "--model", bad, "--backend", "cpu"), bad);
        AssertOneLineError(Cli.Run("bench", "load", "--model", bad, "--backend", "cpu"), bad);
    }

    [Fact]
    public void Write_synthetic_then_bench_load_reports_the_load()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("tiny");
        var write = Cli.Run("tools", "write-synthetic", "--out", folder, "--layout", "hf", "--shape", "tiny");
        Assert.True(write.ExitCode == 0, write.StdErr);
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors.index.json")));
        var load = Cli.Run("bench", "load", "--model", folder, "--backend", "cpu", "--decode", "2");
        Assert.True(load.ExitCode == 0, load.StdErr);
        foreach (string line in new[] { "time to first token", "peak RSS", "peak device memory", "read from storage", "quantise + upload" })
            Assert.Contains(line, load.StdOut);
        AssertOneLineError(Cli.Run("tools", "write-synthetic", "--out", folder, "--shape", "tiny"), "is not empty");
        AssertOneLineError(Cli.Run("tools", "write-synthetic", "--out", dir.File("x"), "--layout", "zip"), "--layout");
    }
}
