using System.Buffers.Binary;
using System.Text.Json;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Tokenization;
using Mistral.Gpu.Runtime.Cpu;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// stories260k and mistral-tiny written as GGUF by our own writer (<see cref="GgufWriter"/>) and read back: F32 gives
/// exactly the safetensors logits, Q8_0 / Q4_0 exactly the logits of the values their blocks stand for, Q4_0 reaches
/// the device as int4 nibble for nibble, the tokenizer from the metadata encodes like tokenizer.model, and the
/// Hugging Face sharded, native and GGUF layouts of one model give identical logits.
/// </summary>
public sealed class GgufRoundTripTests
{
    public static TheoryData<string> Models() => ["stories260k", "case_a_hd16_w8", "case_b_hd128_w16"];

    public static TheoryData<string, GgufTensorType> QuantisedCases() => new()
    {
        { "case_a_hd16_w8", GgufTensorType.Q8_0 },
        { "case_a_hd16_w8", GgufTensorType.Q4_0 },
        { "case_b_hd128_w16", GgufTensorType.Q8_0 },
        { "case_b_hd128_w16", GgufTensorType.Q4_0 },
        { "case_b_hd128_w16", GgufTensorType.F16 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void F32_gguf_reproduces_the_safetensors_logits_exactly(string name)
    {
        string folder = Folder(name);
        using var dir = new TempDirectory();
        string gguf = GgufExport.FromCheckpoint(folder).WriteTo(dir.File("model.gguf"));
        int[] tokens = Tokens(name);
        Assert.Equal(Logits(folder, tokens), Logits(gguf, tokens));
    }

    [Theory]
    [MemberData(nameof(QuantisedCases))]
    public void Quantised_gguf_reproduces_the_logits_of_its_dequantised_weights(string name, GgufTensorType type)
    {
        string folder = Folder(name);
        using var dir = new TempDirectory();
        var writer = GgufExport.FromCheckpoint(folder, type);
        string gguf = writer.WriteTo(dir.File("model.gguf"));
        if (type != GgufTensorType.F16)
        {
            Directory.CreateDirectory(dir.File("dequantised"));
            GgufExport.WriteDequantizedCheckpoint(folder, writer, dir.File("dequantised"));
        }
        string reference = type == GgufTensorType.F16 ? HalfRounded(folder, dir.File("rounded")) : dir.File("dequantised");
        int[] tokens = Tokens(name);
        float[] expected = Logits(reference, tokens);
        Assert.Equal(expected, Logits(gguf, tokens));
        // The quantisation really changed the weights, so the equality above is not the original model's.
        Assert.NotEqual(Logits(folder, tokens), expected);
    }

    [Fact]
    public void Q4_0_reaches_the_device_as_int4_nibble_for_nibble()
    {
        string folder = SharedData.MistralTinyCase("case_b_hd128_w16");
        using var dir = new TempDirectory();
        var writer = GgufExport.FromCheckpoint(folder, GgufTensorType.Q4_0);
        string gguf = writer.WriteTo(dir.File("model.gguf"));
        using var accelerator = new CpuAccelerator();
        using var model = MistralModel.Load(accelerator, gguf, new ModelLoadOptions { Precision = WeightFormat.Int4, GroupSize = 32 });
        int checkedMatrices = 0;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            (WeightKind Kind, LinearWeights Weights)[] linears =
                [(WeightKind.Wq, layer.Wq), (WeightKind.Wk, layer.Wk), (WeightKind.Wv, layer.Wv), (WeightKind.Wo, layer.Wo),
                 (WeightKind.W1, layer.W1), (WeightKind.W2, layer.W2), (WeightKind.W3, layer.W3)];
            foreach (var (kind, weights) in linears)
            {
                AssertSameBlocks(writer.TensorData(CheckpointTensorNames.Gguf(new WeightId(kind, l))), Assert.IsType<Int4Weights>(weights));
                checkedMatrices++;
            }
        }
        AssertSameBlocks(writer.TensorData("output.weight"), Assert.IsType<Int4Weights>(model.Output));
        Assert.Equal(14, checkedMatrices);
    }

    [Fact]
    public void Tokenizer_from_gguf_metadata_encodes_the_shipped_prompts_like_tokenizer_model()
    {
        var original = SentencePieceTokenizer.Load(Path.Combine(SharedData.Stories260k, "tokenizer.model"));
        using var dir = new TempDirectory();
        var writer = GgufExport.FromCheckpoint(SharedData.Stories260k, tokenizer: original);
        string gguf = writer.WriteTo(dir.File("model.gguf"));
        var fromGguf = ModelTokenizer.Load(gguf);

        Assert.Equal((original.VocabSize, original.BosId, original.EosId, original.UnkId), (fromGguf.VocabSize, fromGguf.BosId, fromGguf.EosId, fromGguf.UnkId));
        var texts = ReferenceTexts();
        Assert.True(texts.Count >= 10, $"only {texts.Count} reference texts");
        foreach (string text in texts)
        {
            int[] ids = original.Encode(text);
            Assert.Equal(ids, fromGguf.Encode(text));
            Assert.Equal(original.Decode(ids), fromGguf.Decode(ids));
        }
    }

    [Fact]
    public void Hugging_face_shards_with_an_index_native_and_gguf_give_identical_logits()
    {
        string folder = SharedData.MistralTinyCase("case_b_hd128_w16");
        using var dir = new TempDirectory();
        string hf = dir.File("hf");
        Directory.CreateDirectory(hf);
        File.Copy(Path.Combine(folder, "config.json"), Path.Combine(hf, "config.json"));
        List<SafetensorsTensorData> tensors = CheckpointCopy.ReadAll(Path.Combine(folder, "model.safetensors"));
        var weightMap = new Dictionary<string, string>();
        for (int shard = 0; shard < 3; shard++)
        {
            string file = $"model-{shard + 1:D5}-of-00003.safetensors";
            var part = tensors.Where((_, i) => i % 3 == shard).ToList();
            SafetensorsWriter.Write(Path.Combine(hf, file), part);
            foreach (var t in part) weightMap[t.Name] = file;
        }
        File.WriteAllText(Path.Combine(hf, "model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = weightMap }));
        string gguf = GgufExport.FromCheckpoint(folder).WriteTo(dir.File("model.gguf"));

        using (var sharded = CheckpointReader.Open(hf))
            Assert.Equal(3, sharded.Files.WeightPaths.Count);
        int[] tokens = Tokens("case_b_hd128_w16");
        float[] native = Logits(folder, tokens);
        Assert.Equal(native, Logits(hf, tokens));
        Assert.Equal(native, Logits(gguf, tokens));
    }

    private static void AssertSameBlocks(byte[] blocks, Int4Weights weights)
    {
        int n = weights.OutFeatures, k = weights.InFeatures;
        Assert.Equal(32, weights.GroupSize);
        // The words in the standard order, whichever layout the loader stored them in for this device.
        uint[] packed = weights.Download().Packed;
        uint[] scales = weights.Scales.ToArray();
        for (int row = 0; row < n; row++)
            for (int col = 0; col < k; col++)
            {
                int block = (row * k + col) / 32, e = col % 32;
                byte b = blocks[block * 18 + 2 + e % 16];
                uint expected = e < 16 ? b & 15u : (uint)b >> 4;
                uint actual = (packed[row * (k / 8) + col / 8] >> (4 * (col % 8))) & 15u;
                if (expected != actual)
                    Assert.Fail($"[{row}, {col}]: nibble {actual}, GGUF block holds {expected}");
            }
        for (int g = 0; g < n * k / 32; g++)
        {
            ushort expected = BinaryPrimitives.ReadUInt16LittleEndian(blocks.AsSpan(g * 18));
            ushort actual = (ushort)(scales[g / 2] >> (16 * (g % 2)));
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>The checkpoint with every matrix GGUF would store as F16 rounded to fp16 (norms and ragged rows kept).</summary>
    private static string HalfRounded(string folder, string target)
    {
        Directory.CreateDirectory(target);
        using var checkpoint = CheckpointReader.Open(folder, CheckpointLayout.Native);
        var c = checkpoint.Config;
        var tensors = WeightId.All(c.NLayers).Select(id =>
        {
            long[] shape = id.ExpectedShape(c);
            float[] values = checkpoint.ReadFloat32(id);
            if (shape.Length == 2 && shape[1] % 32 == 0)
                for (int i = 0; i < values.Length; i++) values[i] = (float)(Half)values[i];
            return SafetensorsTensorData.Float32(CheckpointTensorNames.Native(id), values, shape);
        }).ToList();
        SafetensorsWriter.Write(Path.Combine(target, CheckpointFiles.NativeWeightsFileName), tensors);
        File.Copy(Path.Combine(folder, ModelConfigReader.NativeFileName), Path.Combine(target, ModelConfigReader.NativeFileName));
        return target;
    }

    private static string Folder(string name) => name == "stories260k" ? SharedData.Stories260k : SharedData.MistralTinyCase(name);

    private static int[] Tokens(string name)
    {
        if (name == "stories260k")
            return [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421];
        using var reference = SafetensorsFile.Open(Path.Combine(Folder(name), "reference.safetensors"));
        return reference.ReadInt32("tokens");
    }

    private static float[] Logits(string path, int[] tokens)
    {
        using var accelerator = new CpuAccelerator();
        using var model = MistralModel.Load(accelerator, path);
        using var runner = new Transformer(model, maxChunk: tokens.Length);
        return runner.AllLogits(tokens);
    }

    private static List<string> ReferenceTexts()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedData.Stories260k, "reference.json")));
        var root = document.RootElement;
        return root.GetProperty("tokenizer_cases").EnumerateArray().Select(c => c.GetProperty("text").GetString()!)
            .Concat(root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("prompt").GetString()!))
            .ToList();
    }
}
