using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// A params.json without rope_theta means 10000 when it sets a sliding window (Mistral 7B v0.1's own
/// params.json) and 1e6 otherwise, as Mistral's code reads it; HF configs default to 10000.
/// </summary>
public class RopeThetaDefaultTests
{
    private const string Sizes = """ "dim":64,"n_layers":1,"head_dim":16,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":1e-5,"vocab_size":32 """;

    private static ModelConfig ReadNative(string extraFields)
    {
        using var dir = new TempDirectory();
        return ModelConfigReader.ReadNative(dir.Write("params.json", "{" + Sizes + extraFields + "}"));
    }

    [Fact]
    public void Absent_with_window_means_10000() =>
        Assert.Equal(10000.0, ReadNative(""","sliding_window":4096""").RopeTheta);

    [Fact]
    public void Absent_without_window_means_1e6() =>
        Assert.Equal(1e6, ReadNative("").RopeTheta);

    [Fact]
    public void Absent_with_null_window_means_1e6_and_full_attention()
    {
        ModelConfig config = ReadNative(""","sliding_window":null""");
        Assert.Equal(1e6, config.RopeTheta);
        Assert.Null(config.SlidingWindow);
    }

    [Fact]
    public void Explicit_value_wins() =>
        Assert.Equal(500000.0, ReadNative(""","sliding_window":4096,"rope_theta":500000.0""").RopeTheta);

    [Fact]
    public void Mistral_7B_v01_params_json_reads_as_the_static_config()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("params.json",
            """{"dim":4096,"n_layers":32,"head_dim":128,"hidden_dim":14336,"n_heads":32,"n_kv_heads":8,"norm_eps":1e-05,"sliding_window":4096,"vocab_size":32000}""");
        Assert.Equal(ModelConfig.Mistral7Bv01 with { MaxSeqLen = null }, ModelConfigReader.ReadNative(path));
    }

    [Fact]
    public void Hugging_face_absent_means_10000()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("config.json",
            """{"hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":128,"vocab_size":32,"rms_norm_eps":1e-5}""");
        ModelConfig config = ModelConfigReader.ReadHuggingFace(path);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Equal(16, config.HeadDim);
        Assert.Null(config.SlidingWindow);
    }
}
