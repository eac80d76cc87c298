using System.Text.Json;
using Mistral.Gpu.Model.Files;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// What a Hugging Face <c>generation_config.json</c> beside a checkpoint says about stopping: its
/// <c>eos_token_id</c>, a single id or a list of them (models with several end-of-turn tokens).
/// </summary>
/// <param name="Path">The file read, or null when the folder has none.</param>
/// <param name="EosTokenIds">The ids that end generation; empty when the file is absent or names none.</param>
public sealed record GenerationConfig(string? Path, IReadOnlyList<int> EosTokenIds)
{
    /// <summary>The file name Hugging Face uses.</summary>
    public const string FileName = "generation_config.json";

    /// <summary>No file: no extra stop tokens.</summary>
    public static GenerationConfig None { get; } = new(null, []);

    /// <summary>Reads <c>generation_config.json</c> in <paramref name="directory"/>, or returns <see cref="None"/> when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not JSON, or <c>eos_token_id</c> is neither an id nor a list of ids (the message names the file).</exception>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    public static GenerationConfig Read(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        if (FileKinds.Of(path, followLinks: true) == FileKind.Missing) return None;
        return Parse(System.Text.Encoding.UTF8.GetString(FileKinds.ReadAllBytes(path, "generation config", ConfigJson.MaxBytes)), path);
    }

    /// <summary>Parses the text of a <c>generation_config.json</c>; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not JSON, or a bad <c>eos_token_id</c>.</exception>
    public static GenerationConfig Parse(string json, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object");
            if (!document.RootElement.TryGetProperty("eos_token_id", out var eos) || eos.ValueKind == JsonValueKind.Null)
                return new GenerationConfig(path, []);
            var ids = eos.ValueKind switch
            {
                JsonValueKind.Number => [Id(eos, path)],
                JsonValueKind.Array => eos.EnumerateArray().Select(e => Id(e, path)).Distinct().ToList(),
                _ => throw new InvalidDataException($"{path}: eos_token_id must be a token id or a list of token ids, got {eos.GetRawText()}"),
            };
            return new GenerationConfig(path, ids);
        }
    }

    /// <summary>Throws naming the file when an id is outside a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    /// <exception cref="InvalidDataException">An id is negative or not below <paramref name="vocabSize"/>.</exception>
    public GenerationConfig CheckVocabulary(int vocabSize)
    {
        foreach (int id in EosTokenIds)
            if (id < 0 || id >= vocabSize)
                throw new InvalidDataException($"{Path}: eos_token_id {id} is outside the vocabulary of {vocabSize} tokens (0..{vocabSize - 1})");
        return this;
    }

    private static int Id(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int id)
            ? id
            : throw new InvalidDataException($"{path}: eos_token_id must be a token id or a list of token ids, got {element.GetRawText()}");
}
