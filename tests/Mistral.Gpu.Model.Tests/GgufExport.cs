using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Converts a safetensors checkpoint to GGUF the way llama.cpp's converter lays out a llama model: llama.* metadata
/// from the config, the tokenizer's pieces as tokenizer.ggml.*, norms in F32 and the matrices in the asked type
/// (F32 where a row is not a whole number of 32-blocks, as llama.cpp falls back).
/// </summary>
public static class GgufExport
{
    public static GgufWriter FromCheckpoint(string directory, GgufTensorType matrices = GgufTensorType.F32, SentencePieceTokenizer? tokenizer = null)
    {
        using var checkpoint = CheckpointReader.Open(directory, CheckpointLayout.Native);
        var c = checkpoint.Config;
        var writer = Metadata(c);
        if (tokenizer is not null) Tokenizer(writer, tokenizer);
        foreach (WeightId id in WeightId.All(c.NLayers))
        {
            long[] shape = id.ExpectedShape(c);
            var type = shape.Length == 1 || shape[^1] % 32 != 0 ? GgufTensorType.F32 : matrices;
            writer.Tensor(CheckpointTensorNames.Gguf(id), type, checkpoint.ReadFloat32(id), shape);
        }
        return writer;
    }

    /// <summary>The llama.* metadata of <paramref name="c"/>, as llama.cpp's converter writes it, leaving out <paramref name="without"/>.</summary>
    public static GgufWriter Metadata(ModelConfig c, string? without = null)
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in Entries(c).Where(e => e.Key != without))
        {
            if (value is string s) writer.String(key, s);
            else if (value is float f) writer.Float32(key, f);
            else writer.UInt32(key, (uint)value);
        }
        return writer;
    }

    private static IEnumerable<(string Key, object Value)> Entries(ModelConfig c)
    {
        yield return ("general.architecture", "llama");
        yield return ("general.name", "test");
        yield return ("llama.context_length", (uint)(c.MaxSeqLen ?? 4096));
        yield return ("llama.embedding_length", (uint)c.Dim);
        yield return ("llama.block_count", (uint)c.NLayers);
        yield return ("llama.feed_forward_length", (uint)c.HiddenDim);
        yield return ("llama.attention.head_count", (uint)c.NHeads);
        yield return ("llama.attention.head_count_kv", (uint)c.NKvHeads);
        yield return ("llama.attention.key_length", (uint)c.HeadDim);
        yield return ("llama.rope.dimension_count", (uint)c.HeadDim);
        yield return ("llama.rope.freq_base", (float)c.RopeTheta);
        yield return ("llama.attention.layer_norm_rms_epsilon", (float)c.NormEps);
        yield return ("llama.vocab_size", (uint)c.VocabSize);
        if (c.SlidingWindow is { } window) yield return ("llama.attention.sliding_window", (uint)window);
    }

    public static void Tokenizer(GgufWriter writer, SentencePieceTokenizer tokenizer)
    {
        var pieces = tokenizer.Model.Pieces;
        writer.String("tokenizer.ggml.model", "llama")
            .Strings("tokenizer.ggml.tokens", pieces.Select(p => p.Text).ToArray())
            .Floats("tokenizer.ggml.scores", pieces.Select(p => p.Score).ToArray())
            .Ints("tokenizer.ggml.token_type", pieces.Select(p => (int)p.Type).ToArray())
            .UInt32("tokenizer.ggml.bos_token_id", (uint)tokenizer.BosId)
            .UInt32("tokenizer.ggml.eos_token_id", (uint)tokenizer.EosId)
            .UInt32("tokenizer.ggml.unknown_token_id", (uint)tokenizer.UnkId)
            .Bool("tokenizer.ggml.add_space_prefix", tokenizer.Model.AddDummyPrefix)
            .Bool("tokenizer.ggml.remove_extra_whitespaces", tokenizer.Model.RemoveExtraWhitespaces);
    }

    /// <summary>
    /// A native checkpoint folder holding exactly the values <paramref name="writer"/>'s quantised tensors stand for
    /// (and the original values of the rest): the reference a GGUF reader must reproduce.
    /// </summary>
    public static void WriteDequantizedCheckpoint(string sourceDirectory, GgufWriter writer, string targetDirectory)
    {
        using var checkpoint = CheckpointReader.Open(sourceDirectory, CheckpointLayout.Native);
        var c = checkpoint.Config;
        var tensors = WeightId.All(c.NLayers)
            .Where(id => !(id.Kind == WeightKind.Output && checkpoint.HasTiedOutput))
            .Select(id => SafetensorsTensorData.Float32(CheckpointTensorNames.Native(id),
                writer.Dequantized.GetValueOrDefault(CheckpointTensorNames.Gguf(id)) ?? checkpoint.ReadFloat32(id), id.ExpectedShape(c)))
            .ToList();
        SafetensorsWriter.Write(Path.Combine(targetDirectory, CheckpointFiles.NativeWeightsFileName), tensors);
        File.Copy(Path.Combine(sourceDirectory, ModelConfigReader.NativeFileName), Path.Combine(targetDirectory, ModelConfigReader.NativeFileName));
    }
}
