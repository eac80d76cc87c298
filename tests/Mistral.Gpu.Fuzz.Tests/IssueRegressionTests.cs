using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Files;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// The cases of issue #14, each one a silent wrong answer, a hang or a message that pointed nowhere
/// before: now a clear error naming the file, field or option (or a note, for a long context).
/// </summary>
public sealed class IssueRegressionTests
{
    private static string CaseA => SharedData.MistralTinyCase("case_a_hd16_w8");

    /// <summary>A copy of case_a's native checkpoint with <paramref name="value"/> written over elements of one tensor.</summary>
    private static TempDirectory Poisoned(string tensor, float value, bool whole)
    {
        var dir = new TempDirectory();
        File.Copy(Path.Combine(CaseA, "params.json"), dir.File("params.json"));
        byte[] bytes = File.ReadAllBytes(Path.Combine(CaseA, "consolidated.safetensors"));
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var range = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))![tensor]!["data_offsets"]!.AsArray();
        long begin = (long)range[0]!, end = whole ? (long)range[1]! : (long)range[0]! + 24;
        for (long at = begin + (whole ? 0 : 20); at < end; at += 4)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength + at)), value);
        dir.Write("consolidated.safetensors", bytes);
        return dir;
    }

    private static void AssertRefusedOnLoad(Func<Accelerator> open)
    {
        using (var dir = Poisoned("layers.1.attention.wv.weight", float.NaN, whole: false))
        using (var accelerator = open())
        {
            var e = Assert.Throws<InvalidDataException>(() => MistralModel.Load(accelerator, dir.Path).Dispose());
            Assert.Contains("'layers.1.attention.wv.weight' holds NaN at element 5 (row 0, column 5", e.Message);
        }
        using (var dir = Poisoned("layers.0.attention.wk.weight", float.NaN, whole: true))
        using (var accelerator = open())
        {
            var e = Assert.Throws<InvalidDataException>(() => MistralModel.Load(accelerator, dir.Path).Dispose());
            Assert.Contains("'layers.0.attention.wk.weight' holds NaN at element 0", e.Message);
        }
    }

    [Fact]
    public void One_nan_weight_is_refused_on_load_on_the_cpu_backend() => AssertRefusedOnLoad(() => Accelerators.Create(BackendKind.Cpu));

    [RequiresOpenCLFact]
    public void One_nan_weight_is_refused_on_load_on_opencl_with_the_same_message() => AssertRefusedOnLoad(() => Accelerators.Create(BackendKind.OpenCL));

    [Fact]
    public void Logits_of_a_nan_model_are_refused_and_no_file_is_written()
    {
        using var dir = Poisoned("layers.1.attention.wv.weight", float.PositiveInfinity, whole: false);
        string output = dir.File("logits.safetensors");
        var run = CliRun.Run("logits", "--model", dir.Path, "--tokens", "1,2,3", "--decode", "3", "--out", output);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("+infinity", run.StdErr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Non_finite_logits_are_an_error_naming_position_and_token()
    {
        float[] logits = new float[2 * 5];
        logits[7] = float.NaN;
        var e = Assert.Throws<InvalidDataException>(() => FiniteLogits.Check(logits, 5, firstPosition: 10));
        Assert.Contains("position 11", e.Message);
        Assert.Contains("NaN at token id 2", e.Message);
        FiniteLogits.Check(new float[10], 5, 0);
    }

    [Fact]
    public void A_header_length_one_byte_short_is_refused()
    {
        using var dir = new TempDirectory();
        byte[] bytes = File.ReadAllBytes(Path.Combine(CaseA, "consolidated.safetensors"));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, BinaryPrimitives.ReadUInt64LittleEndian(bytes) - 1);
        string path = dir.Write("short.safetensors", bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        Assert.Contains("1 byte(s) belong to no tensor", e.Message);
    }

    [Theory]
    [InlineData("hidden_act", "\"gelu\"")]
    [InlineData("rope_scaling", """{"type":"dynamic","factor":2.0}""")]
    [InlineData("model_type", "\"gpt_neox\"")]
    [InlineData("architectures", """["GPTNeoXForCausalLM"]""")]
    [InlineData("num_hidden_layers", "1")]
    public void Config_fields_that_change_the_model_are_errors_naming_field_and_value(string key, string value)
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(CaseA, "model.safetensors"), dir.File("model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(CaseA, "config.json")))!;
        config[key] = JsonNode.Parse(value);
        string path = dir.Write("config.json", config.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path).Dispose());
        Assert.StartsWith(path, e.Message);
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains(value.Trim('"', '[', ']', '{').Split(',')[0].Trim('"'), e.Message);
    }

    [Fact]
    public void Untied_embeddings_without_a_classifier_are_an_error()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(CaseA, "config.json"), dir.File("config.json"));
        SafetensorsWriter.Write(dir.File("model.safetensors"), CheckpointCopy.ReadAll(Path.Combine(CaseA, "model.safetensors"), name => name != "lm_head.weight"));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path).Dispose());
        Assert.Contains("'tie_word_embeddings' is false", e.Message);
        Assert.Contains("lm_head.weight", e.Message);
    }

    [Fact]
    public void Fewer_layers_in_params_json_than_in_the_weights_is_an_error()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(CaseA, "consolidated.safetensors"), dir.File("consolidated.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(CaseA, "params.json")))!;
        config["n_layers"] = 1;
        dir.Write("params.json", config.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path).Dispose());
        Assert.Contains("'n_layers' is 1", e.Message);
        Assert.Contains("layer 1", e.Message);
    }

    [Theory]
    [InlineData("rope_theta", "1.0", "'rope_theta'")]
    [InlineData("max_seq_len", "2147483647", "'max_seq_len'")]
    public void Bad_config_numbers_name_the_file_and_field(string key, string value, string named)
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedData.Stories260k, "consolidated.safetensors"), dir.File("consolidated.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Stories260k, "params.json")))!;
        config[key] = JsonNode.Parse(value);
        string path = dir.Write("params.json", config.ToJsonString());
        using var accelerator = Accelerators.Create(BackendKind.Cpu);
        var e = Assert.Throws<InvalidDataException>(() => MistralModel.Load(accelerator, dir.Path).Dispose());
        Assert.StartsWith(path, e.Message);
        Assert.Contains(named, e.Message);
        if (key == "max_seq_len") Assert.Contains("--context", e.Message);
    }

    [Fact]
    public void A_context_beyond_the_device_memory_is_refused_with_the_numbers_before_allocating()
    {
        using var accelerator = Accelerators.Create(BackendKind.Cpu);
        var config = ModelConfig.Mistral7Bv01 with { SlidingWindow = null, NLayers = 32 };
        var shape = new AttentionShape(32, 8, 128, CacheSlots: MistralModel.MaxPositions, Window: int.MaxValue);
        var e = Assert.Throws<ArgumentException>(() => KvCacheBudget.Check(accelerator, config, shape, KvCacheFormat.Fp32, MistralModel.MaxPositions));
        Assert.Contains("4096.0 GiB of KV cache", e.Message);
        Assert.Contains("--context", e.Message);
        Assert.Contains("--kv-cache fp16", e.Message);
    }

    [Fact]
    public void Outputs_are_regular_files_only()
    {
        using var dir = new TempDirectory();
        string target = dir.Write("target.safetensors", "keep");
        string link = dir.File("link.safetensors");
        File.CreateSymbolicLink(link, target);
        string[] args = ["logits", "--model", CaseA, "--tokens", "1,2", "--force", "--out"];

        AssertError(CliRun.Run([.. args, "/dev/full"]), "/dev/full", "device");
        Assert.Equal(FileKind.Special, FileKinds.Of("/dev/full", followLinks: false));
        AssertError(CliRun.Run([.. args, link]), link, "symbolic link");
        Assert.Equal("keep", File.ReadAllText(target));
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(link, followLinks: false));
        AssertError(CliRun.Run([.. args, dir.Path]), dir.Path, "folder");
        string missing = Path.Combine(dir.File("no-such-folder"), "out.safetensors");
        AssertError(CliRun.Run([.. args, missing]), missing, "does not exist");
        Assert.Equal(["link.safetensors", "target.safetensors"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
        Assert.Contains("symbolic link", CliRun.Run("logits", "--help").StdOut);
    }

    [Fact]
    public void Bad_argument_values_name_the_option_and_its_range()
    {
        string output = Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}.safetensors");
        AssertError(CliRun.Run("logits", "--model", CaseA, "--tokens", "1,,2", "--out", output), "--tokens", "empty");
        AssertError(CliRun.Run("logits", "--model", CaseA, "--tokens", "1,2", "--decode", "2147483645", "--out", output), "--decode", "context");
        Assert.False(File.Exists(output));
        AssertError(CliRun.Run("eval", "--model", CaseA, "--text", "/dev/zero"), "/dev/zero", "not a regular file");
        var seed = CliRun.Run("generate", "--seed", "abc");
        AssertError(seed, "--seed", "whole number");
        Assert.DoesNotContain("System.", seed.StdErr);
        AssertError(CliRun.Run("generate", "--max-tokens", "-1"), "--max-tokens", ">= 0");
        AssertError(CliRun.Run("generate", "--top-p", "2"), "--top-p", "(0, 1]");
        AssertError(CliRun.Run("generate", "--temperature", "x"), "--temperature", "number");
    }

    [Fact]
    public void Tokenizer_problems_name_the_file()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedData.Stories260k, "params.json"), dir.File("params.json"));
        File.Copy(Path.Combine(SharedData.Stories260k, "consolidated.safetensors"), dir.File("consolidated.safetensors"));
        Directory.CreateDirectory(dir.File("tokenizer.model"));
        AssertError(CliRun.Run("generate", "--model", dir.Path), dir.File("tokenizer.model"), "is a folder");

        using var other = new TempDirectory();
        File.Copy(Path.Combine(CaseA, "params.json"), other.File("params.json"));
        File.Copy(Path.Combine(CaseA, "consolidated.safetensors"), other.File("consolidated.safetensors"));
        File.Copy(Path.Combine(SharedData.Stories260k, "tokenizer.model"), other.File("tokenizer.model"));
        var mismatch = CliRun.Run("generate", "--model", other.Path);
        AssertError(mismatch, other.File("tokenizer.model"), "vocab_size 256");
    }

    [Fact]
    public void A_context_beyond_max_seq_len_runs_with_a_note()
    {
        var run = CliRun.Run("generate", "--context", "600", "--max-tokens", "1");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("note: a context of 600 positions is longer than the 512", run.StdErr);
        Assert.Contains("max_seq_len", run.StdErr);
    }

    private static void AssertError(CliRun.Result run, string names, string says)
    {
        Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}: {run.StdErr}");
        string line = Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(names, line);
        Assert.Contains(says, line);
    }
}
