using System.Text;
using System.Text.Json.Nodes;
using Mistral.Gpu.Model.Checkpoints;
using Xunit.Abstractions;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// Edits the real params.json, config.json and generation_config.json of mistral-tiny case_a field by field
/// (fixed seed): values of every JSON kind, removed fields, unsupported settings, damaged text. Reading the
/// config and opening the checkpoint beside it must work or fail cleanly naming the file; a setting the
/// runner does not implement must be refused naming the field, and the supported spellings must load.
/// </summary>
public sealed class ConfigFuzzTests(ITestOutputHelper output)
{
    private const int CasesPerConfig = 1000;
    private const int GenerationCases = 600;

    private static readonly string[] Values =
    [
        "null", "0", "-1", "1", "2", "3", "7", "8", "1.5", "1e300", "-1e300", "4096.0", "2147483647", "2147483648",
        "1e-30", "\"64\"", "true", "[]", "{}", "\"silu\"", "[1,2]", "1000000.0",
    ];

    /// <summary>Settings that change the model and are not implemented: each must be refused naming its key.</summary>
    private static readonly (string Key, string Value)[] UnsupportedHuggingFace =
    [
        ("hidden_act", "\"gelu\""), ("hidden_act", "\"relu\""), ("rope_scaling", """{"type":"linear","factor":2.0}"""),
        ("rope_scaling", """{"rope_type":"yarn","factor":4.0}"""), ("model_type", "\"gpt2\""), ("model_type", "\"mixtral\""),
        ("architectures", """["GPT2LMHeadModel"]"""), ("architectures", "\"MistralForCausalLM\""), ("attention_bias", "true"),
        ("mlp_bias", "true"), ("num_hidden_layers", "1"),
    ];

    private static readonly (string Key, string Value)[] UnsupportedNative =
    [
        ("moe", """{"num_experts":8,"num_experts_per_tok":2}"""), ("rope_scaling", """{"type":"linear","factor":2.0}"""),
        ("n_layers", "1"), ("quantization", """{"bits":4}"""), ("lora", "{}"),
    ];

    /// <summary>Spellings of what the runner does implement (Mistral v0.1-v0.3, Llama): each must load.</summary>
    private static readonly (string Key, string Value)[] SupportedHuggingFace =
    [
        ("hidden_act", "\"silu\""), ("hidden_act", "\"swish\""), ("rope_scaling", "null"), ("rope_scaling", """{"rope_type":"default"}"""),
        ("model_type", "\"llama\""), ("architectures", """["LlamaForCausalLM"]"""), ("rope_theta", "1000000.0"),
        ("sliding_window", "null"), ("attention_bias", "false"), ("tie_word_embeddings", "false"), ("max_position_embeddings", "32768"),
    ];

    [Fact]
    public void Edited_params_json_is_read_or_refused_cleanly() =>
        Fuzz("params.json", ModelConfigReader.NativeFileName, CheckpointFiles.NativeWeightsFileName, UnsupportedNative,
            [("rope_theta", "1000000.0"), ("sliding_window", "null"), ("max_seq_len", "32768")], suite: 3);

    [Fact]
    public void Edited_config_json_is_read_or_refused_cleanly() =>
        Fuzz("config.json", ModelConfigReader.HuggingFaceFileName, CheckpointFiles.HuggingFaceWeightsFileName, UnsupportedHuggingFace,
            SupportedHuggingFace, suite: 4);

    [Fact]
    public void Edited_generation_config_is_read_or_refused_cleanly()
    {
        var random = FuzzSeed.For(5);
        var tally = new FuzzTally("generation_config.json", output);
        using var dir = new TempDirectory();
        string path = dir.File(GenerationConfig.FileName);
        string[] eos = ["2", "[2, 1]", "[]", "-1", "256", "2147483648", "\"2\"", "[[2]]", "[2, \"x\"]", "null", "2.5", "{}", "[2, 2, 2]", "true"];
        for (int i = 0; i < GenerationCases; i++)
        {
            string text = $$"""{"bos_token_id": 1, "eos_token_id": {{eos[random.Next(eos.Length)]}}, "max_new_tokens": 20}""";
            File.WriteAllBytes(path, random.Next(3) == 0 ? Damage(Encoding.UTF8.GetBytes(text), random) : Encoding.UTF8.GetBytes(text));
            tally.Count(CleanFailure.Check(i, path, () => GenerationConfig.Read(dir.Path).CheckVocabulary(256)));
        }
        tally.Report(GenerationCases);
    }

    private void Fuzz(string suiteName, string configName, string weightsName, (string Key, string Value)[] unsupported,
        (string Key, string Value)[] supported, int suite)
    {
        string caseDir = SharedData.MistralTinyCase("case_a_hd16_w8");
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(caseDir, configName)))!.AsObject();
        var random = FuzzSeed.For(suite);
        var tally = new FuzzTally(suiteName, output);
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(caseDir, weightsName), dir.File(weightsName));
        string path = dir.File(configName);
        void Open() => CheckpointReader.Open(dir.Path).Dispose();

        int number = 0;
        foreach (var (key, value) in unsupported)
        {
            Write(path, With(original, key, value));
            var e = Assert.ThrowsAny<InvalidDataException>(Open);
            Assert.Contains($"'{key}'", e.Message);
            Assert.Contains(path, e.Message);
            tally.Count("unsupported settings refused");
            number++;
        }
        foreach (var (key, value) in supported)
        {
            Write(path, With(original, key, value));
            Assert.Equal(CleanFailure.Accepted, CleanFailure.Check(number++, dir.Path, Open));
            tally.Count("supported settings accepted");
        }
        for (; number < CasesPerConfig; number++)
        {
            var edited = JsonNode.Parse(original.ToJsonString())!.AsObject();
            string[] keys = [.. edited.Select(p => p.Key)];
            switch (random.Next(4))
            {
                case 0:
                    edited[keys[random.Next(keys.Length)]] = JsonNode.Parse(Values[random.Next(Values.Length)]);
                    Write(path, edited);
                    break;
                case 1:
                    edited.Remove(keys[random.Next(keys.Length)]);
                    Write(path, edited);
                    break;
                case 2:
                    var (key, value) = unsupported[random.Next(unsupported.Length)];
                    edited[key] = JsonNode.Parse(value);
                    edited[keys[random.Next(keys.Length)]] = JsonNode.Parse(Values[random.Next(Values.Length)]);
                    Write(path, edited);
                    break;
                default:
                    File.WriteAllBytes(path, Damage(Encoding.UTF8.GetBytes(edited.ToJsonString()), random));
                    break;
            }
            tally.Count(CleanFailure.Check(number, dir.Path, Open));
        }
        tally.Report(CasesPerConfig);
        Assert.True(tally.Of(CleanFailure.Refused) > CasesPerConfig / 3, $"only {tally.Of(CleanFailure.Refused)} edits were refused");
    }

    private static JsonObject With(JsonObject original, string key, string value)
    {
        var edited = JsonNode.Parse(original.ToJsonString())!.AsObject();
        edited[key] = JsonNode.Parse(value);
        return edited;
    }

    private static void Write(string path, JsonObject json) => File.WriteAllText(path, json.ToJsonString());

    /// <summary>Cuts the text short or overwrites a few bytes with punctuation or arbitrary bytes.</summary>
    private static byte[] Damage(byte[] bytes, Random random)
    {
        if (random.Next(3) == 0) return bytes[..random.Next(bytes.Length)];
        const string punctuation = "{}[],:\"-.0e \\";
        for (int n = random.Next(1, 4); n > 0; n--)
            bytes[random.Next(bytes.Length)] = random.Next(2) == 0 ? (byte)punctuation[random.Next(punctuation.Length)] : (byte)random.Next(256);
        return bytes;
    }
}
