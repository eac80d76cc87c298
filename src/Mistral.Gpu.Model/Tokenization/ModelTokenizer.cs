using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>Finds the tokenizer of a model path: the metadata of a <c>.gguf</c> file, or the sentencepiece file of a folder.</summary>
public static class ModelTokenizer
{
    /// <summary>The sentencepiece file names a model folder may hold, in the order tried: Mistral v0.1/v0.2's, then v0.3's.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["tokenizer.model", "tokenizer.model.v3"];

    /// <summary>Loads the tokenizer of <paramref name="modelPath"/>.</summary>
    /// <param name="modelPath">A model folder or a .gguf file.</param>
    /// <exception cref="FileNotFoundException">No tokenizer file in the folder, or no such .gguf file.</exception>
    /// <exception cref="InvalidDataException">The tokenizer is malformed; the message names the file.</exception>
    public static SentencePieceTokenizer Load(string modelPath)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (GgufCheckpoint.IsGgufPath(modelPath))
        {
            using var file = GgufFile.Open(modelPath);
            return GgufTokenizerModel.Load(file.Metadata);
        }
        foreach (string name in FileNames)
        {
            string path = Path.Combine(modelPath, name);
            if (File.Exists(path) || Directory.Exists(path))
            {
                // A folder or special file where the tokenizer should be is named as such, not as "not found".
                Files.FileKinds.RequireRegular(path, "tokenizer");
                return SentencePieceTokenizer.Load(path);
            }
        }
        throw new FileNotFoundException($"tokenizer not found: {Path.Combine(modelPath, FileNames[0])} (nor {FileNames[1]})", Path.Combine(modelPath, FileNames[0]));
    }
}
