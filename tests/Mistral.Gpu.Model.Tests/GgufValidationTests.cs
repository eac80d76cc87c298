using System.Text;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Bad GGUF input, one defect at a time: each is one <see cref="InvalidDataException"/> whose message starts with the
/// file and names the field that is wrong. The files are built by <see cref="GgufWriter"/> from a valid one.
/// </summary>
public sealed class GgufValidationTests
{
    private static GgufWriter Small() => new GgufWriter()
        .String("general.architecture", "llama")
        .UInt32("general.alignment", 32)
        .Tensor("a", GgufTensorType.F32, Enumerable.Range(0, 64).Select(i => i * 0.5f).ToArray(), 2, 32)
        .Tensor("b", GgufTensorType.Q4_0, Enumerable.Range(0, 64).Select(i => i - 32f).ToArray(), 2, 32);

    private static InvalidDataException Rejected(byte[] bytes, params string[] expected)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("bad.gguf", bytes);
        var e = Assert.Throws<InvalidDataException>(() => GgufFile.Open(path).Dispose());
        Assert.StartsWith(path + ":", e.Message);
        foreach (string part in expected) Assert.Contains(part, e.Message);
        return e;
    }

    [Fact]
    public void The_small_file_itself_opens_and_reads_back()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("ok.gguf", Small().ToBytes());
        using var file = GgufFile.Open(path);
        Assert.Equal(3, file.Version);
        Assert.Equal([32L, 2L], file.Tensors["a"].Dimensions);
        Assert.Equal(0, file.DataStart % 32);
        var values = new float[64];
        GgufBlocks.Dequantize(GgufTensorType.F32, file.GetBytes(file.Tensors["a"]), values);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => i * 0.5f), values);
        Assert.Equal("llama", file.Metadata.RequireString("general.architecture"));
    }

    [Fact]
    public void Version_2_files_open_too()
    {
        using var dir = new TempDirectory();
        using var file = GgufFile.Open(dir.Write("v2.gguf", Small().ToBytes(version: 2)));
        Assert.Equal(2, file.Version);
    }

    [Fact]
    public void Every_truncation_names_the_file()
    {
        byte[] bytes = Small().ToBytes();
        using var dir = new TempDirectory();
        for (int length = 0; length < bytes.Length; length++)
        {
            string path = dir.Write($"cut{length}.gguf", bytes[..length]);
            var e = Assert.Throws<InvalidDataException>(() => GgufFile.Open(path).Dispose());
            Assert.StartsWith(path + ":", e.Message);
            Assert.True(e.Message.Contains("truncated") || e.Message.Contains("run past the end"), e.Message);
        }
    }

    [Fact]
    public void Bad_magic_and_versions()
    {
        byte[] bytes = Small().ToBytes();
        bytes[0] = (byte)'X';
        Rejected(bytes, "magic", "not a GGUF file");
        Rejected(Small().ToBytes(version: 1), "version 1");
        Rejected(Small().ToBytes(version: 4), "version 4");
    }

    [Fact]
    public void Counts_larger_than_the_file_can_hold()
    {
        byte[] bytes = Small().ToBytes();
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 1UL << 40);
        Rejected(bytes, "tensor_count");
        bytes = Small().ToBytes();
        BitConverter.TryWriteBytes(bytes.AsSpan(16), ulong.MaxValue);
        Rejected(bytes, "metadata_kv_count");
        Rejected(new GgufWriter().Raw("tokens", (uint)GgufValueType.Array, [.. BitConverter.GetBytes((uint)GgufValueType.String), .. BitConverter.GetBytes(1UL << 50)]).ToBytes(),
            "metadata 'tokens' (array length)");
        Rejected(new GgufWriter().Raw("name", (uint)GgufValueType.String, BitConverter.GetBytes(1UL << 33)).ToBytes(), "metadata 'name'", "bytes long");
    }

    [Fact]
    public void Unknown_value_and_tensor_types()
    {
        Rejected(new GgufWriter().Raw("odd", 99, [0, 0, 0, 0]).ToBytes(), "metadata 'odd'", "unknown value type 99");
        Rejected(new GgufWriter().Raw("odd", (uint)GgufValueType.Array, [.. BitConverter.GetBytes(77u), .. BitConverter.GetBytes(1UL)]).ToBytes(), "unknown value type 77");
        Rejected(new GgufWriter().Raw("flag", (uint)GgufValueType.Bool, [2]).ToBytes(), "metadata 'flag'", "not 0 or 1");
        Rejected(new GgufWriter().RawTensor("w", 12, [32, 2], new byte[144]).ToBytes(), "tensor 'w'", "Q4_K (type 12)", "not supported");
        Rejected(new GgufWriter().RawTensor("w", 99, [32, 2], new byte[256]).ToBytes(), "tensor 'w'", "unknown type 99");
    }

    [Fact]
    public void Bad_shapes()
    {
        Rejected(new GgufWriter().RawTensor("w", 0, [1L << 40, 1L << 40, 1L << 40], new byte[4]).ToBytes(), "tensor 'w'", "too large");
        Rejected(new GgufWriter().RawTensor("w", 0, [], new byte[4]).ToBytes(), "tensor 'w'", "n_dims is 0");
        Rejected(new GgufWriter().RawTensor("w", 0, [1, 1, 1, 1, 1], new byte[4]).ToBytes(), "tensor 'w'", "n_dims is 5");
        Rejected(new GgufWriter().RawTensor("w", 0, [4, 0], new byte[4]).ToBytes(), "tensor 'w'", "dimension 1 is 0");
        Rejected(new GgufWriter().RawTensor("w", (uint)GgufTensorType.Q8_0, [33, 2], new byte[68]).ToBytes(), "tensor 'w'", "whole number of Q8_0 blocks");
        Rejected(new GgufWriter().RawTensor("w", 0, [64], new byte[4]).ToBytes(), "tensor 'w'", "run past the end");
    }

    [Fact]
    public void Bad_offsets_and_alignment()
    {
        Rejected(Small().ToBytes(offsets: [0, 8]), "tensor 'b'", "offset 8 is not a multiple of the alignment 32");
        Rejected(Small().ToBytes(offsets: [0, 0]), "overlaps");
        Rejected(Small().ToBytes(offsets: [0, 1UL << 62]), "tensor 'b'", "run past the end");
        Rejected(new GgufWriter().UInt32("general.alignment", 24).ToBytes(), "'general.alignment' = 24", "power of two");
        Rejected(new GgufWriter().String("general.alignment", "32").ToBytes(), "'general.alignment' must be an integer");
    }

    [Fact]
    public void Duplicates_and_bad_text()
    {
        Rejected(new GgufWriter().UInt32("k", 1).UInt32("k", 2).ToBytes(), "metadata 'k' appears twice");
        Rejected(Small().Tensor("a", GgufTensorType.F32, new float[32], 32).ToBytes(), "tensor 'a' appears twice");
        byte[] bytes = new GgufWriter().UInt32("key", 1).ToBytes();
        int at = Encoding.ASCII.GetString(bytes).IndexOf("key", StringComparison.Ordinal);
        bytes[at] = 0xFF;
        Rejected(bytes, "metadata key 0", "not valid UTF-8");
    }

    public static TheoryData<string, string> ModelDefects() => new()
    {
        { "general.architecture=falcon", "metadata 'general.architecture' is 'falcon'" },
        { "-llama.block_count", "required metadata 'llama.block_count' is missing" },
        { "llama.rope.scaling.type=linear", "metadata 'llama.rope.scaling.type' is 'linear': rope scaling is not supported" },
        { "llama.rope.dimension_count=8", "metadata 'llama.rope.dimension_count' (8) differs from the head size (16)" },
        { "llama.attention.head_count_kv=3", "'llama.attention.head_count' (4) must be a multiple of 'llama.attention.head_count_kv' (3)" },
        { "llama.block_count=3", "tensor 'blk.2.attn_norm.weight' (AttentionNorm[layer 2]) is missing" },
        { "llama.feed_forward_length=192", "tensor 'blk.0.ffn_gate.weight' has shape [160, 64] but the metadata expects [192, 64]" },
        { "llama.expert_count=8", "metadata 'llama.expert_count' is 8: mixture-of-experts models are not supported" },
    };

    [Theory]
    [MemberData(nameof(ModelDefects))]
    public void Metadata_the_runner_cannot_honour_names_the_key(string change, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("bad.gguf", TinyModel(change).ToBytes());
        var e = Assert.Throws<InvalidDataException>(() => GgufCheckpoint.Open(path).Dispose());
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    public static TheoryData<string, string> TokenizerDefects() => new()
    {
        { "tokenizer.ggml.model=gpt2", "metadata 'tokenizer.ggml.model' is 'gpt2'" },
        { "-tokenizer.ggml.tokens", "required metadata 'tokenizer.ggml.tokens' is missing" },
        { "short-scores", "metadata 'tokenizer.ggml.scores' has 3 entries but 'tokenizer.ggml.tokens' has 4" },
        { "bad-type", "metadata 'tokenizer.ggml.token_type'[3] is 9" },
        { "tokenizer.ggml.bos_token_id=4", "metadata 'tokenizer.ggml.bos_token_id' = 4 is outside the vocabulary of 4 tokens" },
        { "duplicate-token", "piece 'a' is defined twice" },
    };

    [Theory]
    [MemberData(nameof(TokenizerDefects))]
    public void Bad_tokenizer_metadata_names_the_key(string change, string expected)
    {
        var writer = new GgufWriter();
        if (change != "tokenizer.ggml.model=gpt2") writer.String("tokenizer.ggml.model", "llama");
        else writer.String("tokenizer.ggml.model", "gpt2");
        if (change != "-tokenizer.ggml.tokens")
            writer.Strings("tokenizer.ggml.tokens", change == "duplicate-token" ? ["<unk>", "<s>", "a", "a"] : ["<unk>", "<s>", "</s>", "a"]);
        writer.Floats("tokenizer.ggml.scores", change == "short-scores" ? [0, 0, 0] : [0, 0, 0, -1]);
        writer.Ints("tokenizer.ggml.token_type", change == "bad-type" ? [2, 3, 3, 9] : [2, 3, 3, 1]);
        if (change == "tokenizer.ggml.bos_token_id=4") writer.UInt32("tokenizer.ggml.bos_token_id", 4);
        using var dir = new TempDirectory();
        string path = dir.Write("tok.gguf", writer.ToBytes());
        var e = Assert.Throws<InvalidDataException>(() => ModelTokenizer.Load(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>mistral-tiny case_a as an F32 GGUF, with one metadata key set ("key=value", numbers as uint32) or removed ("-key").</summary>
    internal static GgufWriter TinyModel(string change = "")
    {
        var config = ModelConfigReader.ReadNative(Path.Combine(SharedData.MistralTinyCase("case_a_hd16_w8"), "params.json"));
        string[] parts = change.TrimStart('-').Split('=');
        string key = parts[0];
        var writer = GgufExport.Metadata(config, without: change.StartsWith('-') || parts.Length == 2 ? key : null);
        if (parts.Length == 2)
        {
            if (uint.TryParse(parts[1], out uint number)) writer.UInt32(key, number);
            else writer.String(key, parts[1]);
        }
        using var checkpoint = CheckpointReader.Open(SharedData.MistralTinyCase("case_a_hd16_w8"), CheckpointLayout.Native);
        foreach (WeightId id in WeightId.All(config.NLayers))
            writer.Tensor(CheckpointTensorNames.Gguf(id), GgufTensorType.F32, checkpoint.ReadFloat32(id), id.ExpectedShape(config));
        return writer;
    }
}
