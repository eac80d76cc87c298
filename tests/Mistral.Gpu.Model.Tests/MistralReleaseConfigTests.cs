using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// The configs Mistral 7B v0.1, v0.2 and v0.3 ship (params.json from Mistral, config.json from Hugging Face, and the
/// llama.* metadata of a GGUF conversion), as published, read into the same hyperparameters: v0.1 a 4096 window and
/// theta 1e4; v0.2 no window and theta 1e6; v0.3 that with the 32768-token vocabulary.
/// </summary>
public class MistralReleaseConfigTests
{
    private const string Shapes = "\"dim\": 4096, \"n_layers\": 32, \"head_dim\": 128, \"hidden_dim\": 14336, \"n_heads\": 32, \"n_kv_heads\": 8, \"norm_eps\": 1e-05";

    private const string HfShapes = "\"architectures\": [\"MistralForCausalLM\"], \"hidden_act\": \"silu\", \"hidden_size\": 4096, \"intermediate_size\": 14336, " +
        "\"max_position_embeddings\": 32768, \"model_type\": \"mistral\", \"num_attention_heads\": 32, \"num_hidden_layers\": 32, \"num_key_value_heads\": 8, " +
        "\"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"";

    public static TheoryData<string, string, string> Releases() => new()
    {
        { "v0.1", $"{{{Shapes}, \"sliding_window\": 4096, \"vocab_size\": 32000}}", $"{{{HfShapes}, \"rope_theta\": 10000.0, \"sliding_window\": 4096, \"vocab_size\": 32000}}" },
        { "v0.2", $"{{{Shapes}, \"vocab_size\": 32000, \"rope_theta\": 1000000.0}}", $"{{{HfShapes}, \"rope_theta\": 1000000.0, \"sliding_window\": null, \"vocab_size\": 32000}}" },
        { "v0.3", $"{{{Shapes}, \"vocab_size\": 32768, \"rope_theta\": 1000000.0}}", $"{{{HfShapes}, \"rope_theta\": 1000000.0, \"sliding_window\": null, \"vocab_size\": 32768}}" },
    };

    private static ModelConfig Expected(string release) => release switch
    {
        "v0.1" => ModelConfig.Mistral7Bv01,
        "v0.2" => ModelConfig.Mistral7Bv02,
        _ => ModelConfig.Mistral7Bv03,
    };

    [Theory]
    [MemberData(nameof(Releases))]
    public void Params_json_config_json_and_gguf_metadata_agree(string release, string paramsJson, string configJson)
    {
        using var dir = new TempDirectory();
        var expected = Expected(release);
        var native = ModelConfigReader.ReadNative(dir.Write("params.json", paramsJson));
        var hf = ModelConfigReader.ReadHuggingFace(dir.Write("config.json", configJson));
        // params.json declares no context; config.json's max_position_embeddings is 32768.
        Assert.Equal(expected with { MaxSeqLen = null }, native);
        Assert.Equal(expected with { Layout = CheckpointLayout.HuggingFace }, hf);

        using var gguf = GgufFile.Open(dir.Write("model.gguf", GgufExport.Metadata(expected).ToBytes()));
        var fromGguf = GgufConfig.Read(gguf.Metadata);
        // GGUF stores eps and theta as float32, so compare them as the runner uses them.
        Assert.Equal(expected with { Layout = CheckpointLayout.Gguf, NormEps = fromGguf.NormEps, RopeTheta = fromGguf.RopeTheta }, fromGguf);
        Assert.Equal((float)expected.NormEps, (float)fromGguf.NormEps);
        Assert.Equal((float)expected.RopeTheta, (float)fromGguf.RopeTheta);
    }

    [Fact]
    public void The_releases_differ_where_mistral_says()
    {
        Assert.Equal((4096, 10000.0, 32000), (ModelConfig.Mistral7Bv01.SlidingWindow!.Value, ModelConfig.Mistral7Bv01.RopeTheta, ModelConfig.Mistral7Bv01.VocabSize));
        Assert.Equal((null, 1e6, 32000), (ModelConfig.Mistral7Bv02.SlidingWindow, ModelConfig.Mistral7Bv02.RopeTheta, ModelConfig.Mistral7Bv02.VocabSize));
        Assert.Equal((null, 1e6, 32768), (ModelConfig.Mistral7Bv03.SlidingWindow, ModelConfig.Mistral7Bv03.RopeTheta, ModelConfig.Mistral7Bv03.VocabSize));
    }

    [Fact]
    public void A_gguf_window_of_zero_means_full_attention()
    {
        using var dir = new TempDirectory();
        var writer = GgufExport.Metadata(ModelConfig.Mistral7Bv02).UInt32("llama.attention.sliding_window", 0);
        using var gguf = GgufFile.Open(dir.Write("model.gguf", writer.ToBytes()));
        Assert.Null(GgufConfig.Read(gguf.Metadata).SlidingWindow);
    }
}
