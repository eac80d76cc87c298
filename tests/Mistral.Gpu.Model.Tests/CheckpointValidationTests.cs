using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

/// <summary>A config that contradicts the weights, or weights that are missing or mistyped, fail at open with the tensor, shapes and file named.</summary>
public class CheckpointValidationTests
{
    private static string NativeCopyWithParams(TempDirectory dir, string paramsJson, Func<string, bool>? include = null)
    {
        dir.Write("params.json", paramsJson);
        string weights = dir.File("consolidated.safetensors");
        string source = Path.Combine(SharedData.Stories260k, "consolidated.safetensors");
        if (include is null)
            File.Copy(source, weights);
        else
            SafetensorsWriter.Write(weights, CheckpointCopy.ReadAll(source, include));
        return weights;
    }

    private static string StoriesParams(string hiddenDim = "172", string nLayers = "5", string nKvHeads = "4") =>
        $$"""{"dim":64,"n_layers":{{nLayers}},"head_dim":8,"hidden_dim":{{hiddenDim}},"n_heads":8,"n_kv_heads":{{nKvHeads}},"norm_eps":1e-05,"vocab_size":512,"rope_theta":10000.0}""";

    [Fact]
    public void Wrong_tensor_shape_names_tensor_expected_actual_and_file()
    {
        using var dir = new TempDirectory();
        string weights = NativeCopyWithParams(dir, StoriesParams(hiddenDim: "256"));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains(weights, e.Message);
        Assert.Contains("layers.0.feed_forward.w1.weight", e.Message);
        Assert.Contains("[172, 64]", e.Message);
        Assert.Contains("[256, 64]", e.Message);
        Assert.Contains("config contradicting the weights", e.Message);
    }

    [Fact]
    public void Config_contradicting_kv_heads_is_caught_on_wk()
    {
        using var dir = new TempDirectory();
        NativeCopyWithParams(dir, StoriesParams(nKvHeads: "8"));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains("layers.0.attention.wk.weight", e.Message);
        Assert.Contains("[32, 64]", e.Message);
        Assert.Contains("[64, 64]", e.Message);
        Assert.Contains(dir.File("params.json"), e.Message);
    }

    [Fact]
    public void Config_with_more_layers_than_the_weights_names_the_missing_tensor()
    {
        using var dir = new TempDirectory();
        string weights = NativeCopyWithParams(dir, StoriesParams(nLayers: "6"));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains(weights, e.Message);
        Assert.Contains("layers.5.attention_norm.weight", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        using var dir = new TempDirectory();
        NativeCopyWithParams(dir, StoriesParams(), name => name != "layers.3.feed_forward.w3.weight");
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains("layers.3.feed_forward.w3.weight", e.Message);
        Assert.Contains(dir.File("consolidated.safetensors"), e.Message);
    }

    [Fact]
    public void Integer_weight_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.Write("params.json", StoriesParams());
        List<SafetensorsTensorData> tensors = CheckpointCopy.ReadAll(Path.Combine(SharedData.Stories260k, "consolidated.safetensors"), n => n != "norm.weight");
        tensors.Add(SafetensorsTensorData.Int32("norm.weight", new int[64], 64));
        SafetensorsWriter.Write(dir.File("consolidated.safetensors"), tensors);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains("norm.weight", e.Message);
        Assert.Contains("I32", e.Message);
    }

    [Fact]
    public void Tensor_in_two_shards_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.Write("params.json", StoriesParams());
        string source = Path.Combine(SharedData.Stories260k, "consolidated.safetensors");
        File.Copy(source, dir.File("consolidated.00.safetensors"));
        SafetensorsWriter.Write(dir.File("consolidated.01.safetensors"), CheckpointCopy.ReadAll(source, n => n == "norm.weight"));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains("'norm.weight'", e.Message);
        Assert.Contains("consolidated.01.safetensors", e.Message);
    }
}
