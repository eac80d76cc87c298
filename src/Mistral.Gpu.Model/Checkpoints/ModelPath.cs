using Mistral.Gpu.Model.Checkpoints.Gguf;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>What <c>--model PATH</c> and the loaders take: a model folder, or a <c>.gguf</c> file.</summary>
public static class ModelPath
{
    /// <summary>Returns <paramref name="path"/> when it is an existing folder or .gguf file; otherwise one clear error.</summary>
    /// <param name="path">A model folder or .gguf file.</param>
    /// <exception cref="FileNotFoundException">A .gguf path with no file.</exception>
    /// <exception cref="DirectoryNotFoundException">Any other path that is not a folder.</exception>
    public static string Check(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (GgufCheckpoint.IsGgufPath(path))
            return File.Exists(path) ? path : throw new FileNotFoundException($"GGUF file not found: {path}", path);
        if (File.Exists(path))
            throw new DirectoryNotFoundException($"{path} is a file; a model is a folder (params.json or config.json with safetensors and tokenizer.model) or a .gguf file");
        return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"model folder not found: {path}");
    }
}
