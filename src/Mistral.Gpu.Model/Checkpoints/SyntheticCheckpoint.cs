using System.Text.Json;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Writes a checkpoint of any shape with random bf16 weights, in the files a real download has: Hugging Face's
/// <c>config.json</c> + <c>model-0000i-of-0000N.safetensors</c> shards + <c>model.safetensors.index.json</c>, or
/// Mistral's <c>params.json</c> + one <c>consolidated.safetensors</c>; with a <c>tokenizer.model</c> of the config's
/// vocabulary. So loading a 14.5 GB Mistral 7B is measurable without downloading one. Tensors are generated and
/// written one at a time (a few megabytes in memory whatever the model's size).
/// </summary>
public static class SyntheticCheckpoint
{
    /// <summary>Largest Hugging Face shard written: 10 GB, as the published Mistral 7B shards are (9.9 + 4.5 GB).</summary>
    public const long DefaultShardBytes = 10_000_000_000;

    /// <summary>Spread of the random matrix weights (uniform in ±this), about what trained 7B weights have.</summary>
    public const float WeightRange = 0.02f;

    private const int ChunkBytes = 8 << 20;

    /// <summary>The bytes of weights a checkpoint of <paramref name="config"/> holds in bf16.</summary>
    /// <param name="config">The shapes.</param>
    public static long WeightBytes(ModelConfig config) => Tensors(config, CheckpointLayout.Native).Sum(t => t.Spec.ByteLength);

    /// <summary>Writes the checkpoint into <paramref name="directory"/>, which must be absent or empty.</summary>
    /// <param name="directory">Target folder; created.</param>
    /// <param name="config">The shapes and hyperparameters.</param>
    /// <param name="layout">Native or Hugging Face.</param>
    /// <param name="seed">Seed of the random weights.</param>
    /// <param name="progress">Called after each tensor with (bytes written, bytes in all).</param>
    /// <param name="shardBytes">Largest Hugging Face shard.</param>
    /// <exception cref="IOException">The folder holds files already, or its disk has too little free space.</exception>
    public static void Write(string directory, ModelConfig config, CheckpointLayout layout, int seed = 1,
        Action<long, long>? progress = null, long shardBytes = DefaultShardBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(config);
        if (layout is not (CheckpointLayout.Native or CheckpointLayout.HuggingFace))
            throw new ArgumentException($"synthetic checkpoints are written in the native or Hugging Face layout, not {layout}", nameof(layout));
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new IOException($"{directory} is not empty; write a synthetic checkpoint into a new folder so nothing is overwritten");
        if (File.Exists(directory))
            throw new IOException($"{directory} is a file; give a folder to create");
        var tensors = Tensors(config, layout);
        long total = tensors.Sum(t => t.Spec.ByteLength);
        Directory.CreateDirectory(directory);
        long free = new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
        if (free < total + (1L << 30))
            throw new IOException($"{directory}: the checkpoint needs {total / 1e9:F1} GB and 1 GB to spare, but the disk has {free / 1e9:F1} GB free");

        var shards = layout == CheckpointLayout.Native
            ? [tensors]
            : Shard(tensors, shardBytes);
        var random = new Random(seed);
        var table = ValueTable(random);
        long written = 0;
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < shards.Count; s++)
        {
            string file = layout == CheckpointLayout.Native ? CheckpointFiles.NativeWeightsFileName : $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            var shard = shards[s];
            foreach (var t in shard) weightMap[t.Spec.Name] = file;
            SafetensorsWriter.Write(Path.Combine(directory, file), shard.Select(t => t.Spec).ToArray(), (i, stream) =>
            {
                WriteValues(stream, shard[i], table, random);
                written += shard[i].Spec.ByteLength;
                progress?.Invoke(written, total);
            });
        }
        if (layout == CheckpointLayout.HuggingFace)
            WriteJson(Path.Combine(directory, CheckpointFiles.HuggingFaceIndexFileName), json =>
            {
                json.WriteStartObject("metadata");
                json.WriteNumber("total_size", total);
                json.WriteEndObject();
                json.WriteStartObject("weight_map");
                foreach (var (name, file) in weightMap) json.WriteString(name, file);
                json.WriteEndObject();
            });
        WriteConfig(directory, config, layout);
        File.WriteAllBytes(Path.Combine(directory, ModelTokenizer.FileNames[0]), TokenizerModel(config.VocabSize));
    }

    private sealed record Tensor(SafetensorsTensorSpec Spec, bool IsNorm);

    private static List<Tensor> Tensors(ModelConfig config, CheckpointLayout layout) =>
        WeightId.All(config.NLayers).Select(id => new Tensor(
            new SafetensorsTensorSpec(CheckpointTensorNames.For(id, layout), TensorDType.BF16, id.ExpectedShape(config)),
            id.Kind is WeightKind.AttentionNorm or WeightKind.FfnNorm or WeightKind.Norm)).ToList();

    private static List<List<Tensor>> Shard(List<Tensor> tensors, long shardBytes)
    {
        var shards = new List<List<Tensor>> { new() };
        long size = 0;
        foreach (var t in tensors)
        {
            if (size > 0 && size + t.Spec.ByteLength > shardBytes)
            {
                shards.Add([]);
                size = 0;
            }
            shards[^1].Add(t);
            size += t.Spec.ByteLength;
        }
        return shards;
    }

    /// <summary>65536 bf16 bit patterns uniform in ±<see cref="WeightRange"/>; a random 16-bit index picks one, which is far faster than a conversion per weight.</summary>
    private static ushort[] ValueTable(Random random)
    {
        var table = new ushort[1 << 16];
        for (int i = 0; i < table.Length; i++)
            table[i] = Float32Conversion.SingleToBFloat16((random.NextSingle() * 2 - 1) * WeightRange);
        return table;
    }

    private static void WriteValues(Stream stream, Tensor tensor, ushort[] table, Random random)
    {
        long remaining = tensor.Spec.ByteLength / 2;
        ushort one = Float32Conversion.SingleToBFloat16(1f);
        var chunk = new byte[(int)Math.Min(ChunkBytes, tensor.Spec.ByteLength)];
        var bits = new ulong[chunk.Length / 8 + 1];
        while (remaining > 0)
        {
            int count = (int)Math.Min(remaining, chunk.Length / 2);
            if (!tensor.IsNorm)
            {
                for (int i = 0; i < bits.Length; i++) bits[i] = (ulong)random.NextInt64();
            }
            for (int i = 0; i < count; i++)
            {
                ushort value = tensor.IsNorm ? one : table[(ushort)(bits[i / 4] >> (16 * (i % 4)))];
                chunk[2 * i] = (byte)value;
                chunk[2 * i + 1] = (byte)(value >> 8);
            }
            stream.Write(chunk, 0, count * 2);
            remaining -= count;
        }
    }

    private static void WriteConfig(string directory, ModelConfig c, CheckpointLayout layout)
    {
        if (layout == CheckpointLayout.Native)
        {
            WriteJson(Path.Combine(directory, ModelConfigReader.NativeFileName), json =>
            {
                json.WriteNumber("dim", c.Dim);
                json.WriteNumber("n_layers", c.NLayers);
                json.WriteNumber("head_dim", c.HeadDim);
                json.WriteNumber("hidden_dim", c.HiddenDim);
                json.WriteNumber("n_heads", c.NHeads);
                json.WriteNumber("n_kv_heads", c.NKvHeads);
                json.WriteNumber("norm_eps", c.NormEps);
                json.WriteNumber("vocab_size", c.VocabSize);
                json.WriteNumber("rope_theta", c.RopeTheta);
                if (c.SlidingWindow is { } w) json.WriteNumber("sliding_window", w);
                if (c.MaxSeqLen is { } m) json.WriteNumber("max_seq_len", m);
            });
            return;
        }
        WriteJson(Path.Combine(directory, ModelConfigReader.HuggingFaceFileName), json =>
        {
            json.WriteStartArray("architectures");
            json.WriteStringValue("MistralForCausalLM");
            json.WriteEndArray();
            json.WriteString("model_type", "mistral");
            json.WriteString("hidden_act", "silu");
            json.WriteNumber("hidden_size", c.Dim);
            json.WriteNumber("intermediate_size", c.HiddenDim);
            json.WriteNumber("num_hidden_layers", c.NLayers);
            json.WriteNumber("num_attention_heads", c.NHeads);
            json.WriteNumber("num_key_value_heads", c.NKvHeads);
            json.WriteNumber("head_dim", c.HeadDim);
            json.WriteNumber("vocab_size", c.VocabSize);
            json.WriteNumber("rms_norm_eps", c.NormEps);
            json.WriteNumber("rope_theta", c.RopeTheta);
            if (c.SlidingWindow is { } w) json.WriteNumber("sliding_window", w);
            else json.WriteNull("sliding_window");
            if (c.MaxSeqLen is { } m) json.WriteNumber("max_position_embeddings", m);
            json.WriteBoolean("tie_word_embeddings", false);
            json.WriteString("torch_dtype", "bfloat16");
        });
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        body(json);
        json.WriteEndObject();
    }

    /// <summary>
    /// A sentencepiece BPE model of <paramref name="vocabSize"/> pieces: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte
    /// pieces, the printable ASCII characters (and U+2581 for a space), then filler pieces, so any text encodes (by
    /// characters and bytes) and every id decodes.
    /// </summary>
    /// <param name="vocabSize">Pieces in all; at least 259 + 96.</param>
    public static byte[] TokenizerModel(int vocabSize)
    {
        var pieces = new List<VocabularyPiece>
        {
            new("<unk>", 0, SentencePieceType.Unknown),
            new("<s>", 0, SentencePieceType.Control),
            new("</s>", 0, SentencePieceType.Control),
        };
        for (int b = 0; b < 256; b++) pieces.Add(new($"<0x{b:X2}>", 0, SentencePieceType.Byte));
        pieces.Add(new("\u2581", -1, SentencePieceType.Normal));
        for (char ch = '!'; ch <= '~'; ch++) pieces.Add(new(ch.ToString(), -pieces.Count, SentencePieceType.Normal));
        if (vocabSize < pieces.Count)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"a synthetic tokenizer needs at least {pieces.Count} pieces");
        while (pieces.Count < vocabSize) pieces.Add(new($"\u2581w{pieces.Count}", -pieces.Count, SentencePieceType.Normal));
        return SentencePieceModelWriter.Write(pieces, unkId: 0, bosId: 1, eosId: 2);
    }
}
