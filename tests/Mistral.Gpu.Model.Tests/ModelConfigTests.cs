using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

public class ModelConfigTests
{
    public static TheoryData<string, int, int, int, int, int, int, int, int> MistralTinyExpectations => new()
    {
        // case, dim, layers, heads, kv heads, head_dim, hidden, vocab, window (README table)
        { "case_a_hd16_w8", 64, 2, 4, 2, 16, 160, 256, 8 },
        { "case_b_hd128_w16", 256, 2, 2, 1, 128, 512, 512, 16 },
    };

    [Theory]
    [MemberData(nameof(MistralTinyExpectations))]
    public void Both_layouts_of_each_case_read_the_same(string caseName, int dim, int layers, int heads, int kvHeads, int headDim, int hidden, int vocab, int window)
    {
        string folder = SharedData.MistralTinyCase(caseName);
        ModelConfig native = ModelConfigReader.ReadNative(Path.Combine(folder, "params.json"));
        ModelConfig hf = ModelConfigReader.ReadHuggingFace(Path.Combine(folder, "config.json"));

        var expected = new ModelConfig(dim, layers, heads, kvHeads, headDim, hidden, vocab, 1e-5, 10000.0, window, 4096, CheckpointLayout.Native);
        Assert.Equal(expected, native);
        Assert.Equal(expected with { Layout = CheckpointLayout.HuggingFace }, hf);
    }

    [Fact]
    public void Every_shipped_case_is_covered()
    {
        Assert.Equal(
            MistralTinyExpectations.Select(row => (string)row[0]).Order(),
            SharedData.MistralTinyCases.Select(Path.GetFileName).Order()!);
    }

    [Fact]
    public void Stories260k_has_full_attention_in_both_layouts()
    {
        ModelConfig native = ModelConfigReader.ReadNative(Path.Combine(SharedData.Stories260k, "params.json"));
        ModelConfig hf = ModelConfigReader.ReadHuggingFace(Path.Combine(SharedData.Stories260k, "config.json"));
        var expected = new ModelConfig(64, 5, 8, 4, 8, 172, 512, 1e-5, 10000.0, null, 512, CheckpointLayout.Native);
        Assert.Equal(expected, native);
        Assert.Equal(expected with { Layout = CheckpointLayout.HuggingFace }, hf);
        Assert.Equal(2, native.GroupSize);
        Assert.Equal(native, ModelConfigReader.ReadFromDirectory(SharedData.Stories260k));
    }

    [Fact]
    public void Mistral7B_v01_shapes_are_valid()
    {
        ModelConfig config = ModelConfig.Mistral7Bv01.Validate("Mistral7Bv01");
        Assert.Equal(4096, config.QueryDim);
        Assert.Equal(1024, config.KvDim);
        Assert.Equal(4, config.GroupSize);
        Assert.Equal(4096, config.SlidingWindow);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Equal([14336L, 4096L], new WeightId(WeightKind.W1, 0).ExpectedShape(config));
    }

    [Fact]
    public void Head_dim_defaults_to_dim_over_heads()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("params.json", """{"dim":64,"n_layers":1,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":1e-5,"vocab_size":32}""");
        Assert.Equal(16, ModelConfigReader.ReadNative(path).HeadDim);
    }

    [Theory]
    [InlineData("""{"dim":64,"n_layers":1,"head_dim":16,"hidden_dim":128,"n_heads":4,"n_kv_heads":3,"norm_eps":1e-5,"vocab_size":32}""", "n_kv_heads")]
    [InlineData("""{"dim":-64,"n_layers":1,"head_dim":16,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":1e-5,"vocab_size":32}""", "'dim'")]
    [InlineData("""{"dim":64,"n_layers":0,"head_dim":16,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":1e-5,"vocab_size":32}""", "n_layers")]
    [InlineData("""{"dim":64,"n_layers":1,"head_dim":16,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":1e-5}""", "vocab_size")]
    [InlineData("""{"dim":64,"n_layers":1,"head_dim":15,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":1e-5,"vocab_size":32}""", "head_dim")]
    [InlineData("""{"dim":64,"n_layers":1,"head_dim":16,"hidden_dim":"big","n_heads":4,"n_kv_heads":2,"norm_eps":1e-5,"vocab_size":32}""", "hidden_dim")]
    [InlineData("""{"dim":64,"n_layers":1,"head_dim":16,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":1e-5,"vocab_size":32,"sliding_window":0}""", "sliding_window")]
    [InlineData("""{"dim":64,"n_layers":1,"head_dim":16,"hidden_dim":128,"n_heads":4,"n_kv_heads":2,"norm_eps":0,"vocab_size":32}""", "norm_eps")]
    [InlineData("""{"dim":64,""", "JSON")]
    [InlineData("""[64]""", "object")]
    public void Bad_native_config_names_file_and_field(string json, string field)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("params.json", json);
        var e = Assert.Throws<InvalidDataException>(() => ModelConfigReader.ReadNative(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Bad_hf_config_names_file_and_field()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("config.json", """{"hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":3,"intermediate_size":128,"vocab_size":32}""");
        var e = Assert.Throws<InvalidDataException>(() => ModelConfigReader.ReadHuggingFace(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("num_key_value_heads", e.Message);
    }

    [Fact]
    public void Missing_config_is_FileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), "mistral-gpu-model-tests", "nope", "params.json");
        var e = Assert.Throws<FileNotFoundException>(() => ModelConfigReader.ReadNative(path));
        Assert.Contains(path, e.Message);
    }
}
