using System.Text.Json;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

public class CheckpointReaderTests
{
    public static TheoryData<string> AllModels()
    {
        TheoryData<string> data = SharedData.MistralTinyCaseNames();
        data.Add("stories260k");
        return data;
    }

    private static string ModelFolder(string name) =>
        name == "stories260k" ? SharedData.Stories260k : SharedData.MistralTinyCase(name);

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Native_and_hugging_face_layouts_give_identical_tensors(string model)
    {
        using var native = CheckpointReader.Open(ModelFolder(model), CheckpointLayout.Native);
        using var hf = CheckpointReader.Open(ModelFolder(model), CheckpointLayout.HuggingFace);
        Assert.Equal(CheckpointLayout.Native, native.Layout);
        Assert.Equal(CheckpointLayout.HuggingFace, hf.Layout);
        Assert.Equal(native.Config, hf.Config with { Layout = CheckpointLayout.Native });
        Assert.False(native.HasTiedOutput);
        Assert.Equal(TensorDType.F32, native.SourceDType);

        foreach (WeightId id in WeightId.All(native.Config.NLayers))
        {
            float[] a = native.ReadFloat32(id);
            float[] b = hf.ReadFloat32(id);
            Assert.Equal(id.ExpectedShape(native.Config).Aggregate(1L, (x, y) => x * y), a.Length);
            Assert.True(a.AsSpan().SequenceEqual(b), $"{model}: {id} differs between the native and HF layouts");
            Assert.Equal(native.ReadSourceBytes(id), hf.ReadSourceBytes(id));
        }
    }

    [Fact]
    public void Hugging_face_q_rows_really_are_permuted_on_disk()
    {
        // Guards the test above against a loader that un-permutes nothing because nothing needed it.
        string folder = SharedData.MistralTinyCase("case_a_hd16_w8");
        using var nativeFile = SafetensorsFile.Open(Path.Combine(folder, "consolidated.safetensors"));
        using var hfFile = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        Assert.False(nativeFile.ReadFloat32("layers.0.attention.wq.weight")
            .SequenceEqual(hfFile.ReadFloat32("model.layers.0.self_attn.q_proj.weight")));
    }

    [Theory]
    [MemberData(nameof(SharedData.MistralTinyCaseNames), MemberType = typeof(SharedData))]
    public void Bf16_weights_are_the_fp32_weights_rounded_to_nearest_even(string caseName)
    {
        string folder = SharedData.MistralTinyCase(caseName);
        using var fp32 = CheckpointReader.Open(folder);
        using var bf16 = CheckpointReader.Open(new CheckpointFiles(CheckpointLayout.Native,
            Path.Combine(folder, "params.json"), [Path.Combine(folder, "consolidated.bf16.safetensors")]));
        Assert.Equal(TensorDType.BF16, bf16.SourceDType);

        foreach (WeightId id in WeightId.All(fp32.Config.NLayers))
        {
            Assert.Equal(TensorDType.BF16, bf16.GetSourceInfo(id).DType);
            float[] exact = fp32.ReadFloat32(id);
            float[] rounded = bf16.ReadFloat32(id);
            for (int i = 0; i < exact.Length; i++)
            {
                // bf16 keeps 8 significant bits: rounding moves a value by at most half an ulp, 2^-8 relative.
                Assert.True(Math.Abs(rounded[i] - exact[i]) <= Math.Abs(exact[i]) / 256, $"{id}[{i}]: {rounded[i]} vs {exact[i]}");
                Assert.Equal(Float32Conversion.BFloat16ToSingle(Float32Conversion.SingleToBFloat16(exact[i])), rounded[i]);
            }
            Assert.Equal(exact.Length * 2, bf16.ReadSourceBytes(id).Length);
        }
    }

    [Fact]
    public void Detects_native_first_then_hugging_face()
    {
        using var both = CheckpointReader.Open(SharedData.Stories260k);
        Assert.Equal(CheckpointLayout.Native, both.Layout);

        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedData.Stories260k, "config.json"), dir.File("config.json"));
        File.Copy(Path.Combine(SharedData.Stories260k, "model.safetensors"), dir.File("model.safetensors"));
        using var hfOnly = CheckpointReader.Open(dir.Path);
        Assert.Equal(CheckpointLayout.HuggingFace, hfOnly.Layout);
    }

    [Fact]
    public void Empty_or_missing_folder_says_what_was_expected()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("params.json", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => CheckpointReader.Open(Path.Combine(dir.Path, "absent")));
    }

    [Fact]
    public void Sharded_hugging_face_checkpoint_with_index_matches_native()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedData.Stories260k, "config.json"), dir.File("config.json"));
        List<SafetensorsTensorData> tensors = CheckpointCopy.ReadAll(Path.Combine(SharedData.Stories260k, "model.safetensors"));
        int half = tensors.Count / 2;
        const string first = "model-00001-of-00002.safetensors", second = "model-00002-of-00002.safetensors";
        SafetensorsWriter.Write(dir.File(first), tensors.Take(half));
        SafetensorsWriter.Write(dir.File(second), tensors.Skip(half));
        var weightMap = tensors.Select((t, i) => (t.Name, File: i < half ? first : second)).ToDictionary(x => x.Name, x => x.File);
        File.WriteAllText(dir.File("model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = weightMap }));

        using var sharded = CheckpointReader.Open(dir.Path);
        using var native = CheckpointReader.Open(SharedData.Stories260k, CheckpointLayout.Native);
        Assert.Equal(2, sharded.Files.WeightPaths.Count);
        foreach (WeightId id in WeightId.All(native.Config.NLayers))
            Assert.True(native.ReadFloat32(id).AsSpan().SequenceEqual(sharded.ReadFloat32(id)), id.ToString());
    }

    [Fact]
    public void Missing_output_means_tied_to_the_embedding()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedData.Stories260k, "params.json"), dir.File("params.json"));
        SafetensorsWriter.Write(dir.File("consolidated.safetensors"),
            CheckpointCopy.ReadAll(Path.Combine(SharedData.Stories260k, "consolidated.safetensors"), name => name != "output.weight"));

        using var reader = CheckpointReader.Open(dir.Path);
        Assert.True(reader.HasTiedOutput);
        HostModelWeights weights = reader.ReadAllFloat32();
        Assert.Equal(weights.TokEmbeddings, weights.Output);
        Assert.Equal(5, weights.Layers.Count);
    }

    [Fact]
    public void Host_weights_have_the_configured_sizes()
    {
        using var reader = CheckpointReader.Open(SharedData.MistralTinyCase("case_b_hd128_w16"));
        HostModelWeights w = reader.ReadAllFloat32();
        ModelConfig c = w.Config;
        Assert.Equal(c.VocabSize * c.Dim, w.TokEmbeddings.Length);
        Assert.Equal(c.QueryDim * c.Dim, w.Layers[0].Wq.Length);
        Assert.Equal(c.KvDim * c.Dim, w.Layers[1].Wk.Length);
        Assert.Equal(c.Dim * c.HiddenDim, w.Layers[1].W2.Length);
        Assert.Equal(c.Dim, w.Norm.Length);
    }
}
