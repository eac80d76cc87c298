using System.Text.Json;
using System.Text.Unicode;
using Mistral.Gpu.Model.Files;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// The files that make up a checkpoint: the config, the safetensors shard(s) and, for sharded Hugging
/// Face checkpoints, the index that says which shard holds which tensor.
/// </summary>
/// <param name="Layout">Naming convention of the tensors.</param>
/// <param name="ConfigPath">params.json (native) or config.json (HF).</param>
/// <param name="WeightPaths">The safetensors files, each tensor in exactly one of them.</param>
/// <param name="IndexPath">model.safetensors.index.json when the HF checkpoint is sharded with one.</param>
public sealed record CheckpointFiles(CheckpointLayout Layout, string ConfigPath, IReadOnlyList<string> WeightPaths, string? IndexPath = null)
{
    /// <summary>Native single-file weights.</summary>
    public const string NativeWeightsFileName = "consolidated.safetensors";

    /// <summary>HF single-file weights.</summary>
    public const string HuggingFaceWeightsFileName = "model.safetensors";

    /// <summary>HF shard index (maps tensor name to shard file).</summary>
    public const string HuggingFaceIndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// Finds the checkpoint in <paramref name="directory"/>. When both layouts are present the native
    /// one is used unless <paramref name="layout"/> asks otherwise.
    /// </summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="layout">Force one layout; null picks native first, then HF.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">No checkpoint of the asked layout is in the folder.</exception>
    public static CheckpointFiles Detect(string directory, CheckpointLayout? layout = null)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"model folder not found: {directory}");

        if (layout != CheckpointLayout.HuggingFace && TryNative(directory) is { } native)
            return native;
        if (layout != CheckpointLayout.Native && TryHuggingFace(directory) is { } hf)
            return hf;

        string wanted = layout switch
        {
            CheckpointLayout.Native => $"{ModelConfigReader.NativeFileName} + {NativeWeightsFileName} (or consolidated.*.safetensors)",
            CheckpointLayout.HuggingFace => $"{ModelConfigReader.HuggingFaceFileName} + {HuggingFaceWeightsFileName} (or model-*-of-*.safetensors)",
            _ => $"{ModelConfigReader.NativeFileName} + {NativeWeightsFileName}, or {ModelConfigReader.HuggingFaceFileName} + {HuggingFaceWeightsFileName}",
        };
        throw new FileNotFoundException($"{directory}: no checkpoint found; expected {wanted}", directory);
    }

    private static CheckpointFiles? TryNative(string directory)
    {
        string config = Path.Combine(directory, ModelConfigReader.NativeFileName);
        if (!File.Exists(config))
            return null;
        string single = Path.Combine(directory, NativeWeightsFileName);
        if (File.Exists(single))
            return new CheckpointFiles(CheckpointLayout.Native, config, [single]);
        string[] parts = Directory.GetFiles(directory, "consolidated.*.safetensors");
        if (parts.Length == 0)
            return null;
        Array.Sort(parts, StringComparer.Ordinal);
        return new CheckpointFiles(CheckpointLayout.Native, config, parts);
    }

    private static CheckpointFiles? TryHuggingFace(string directory)
    {
        string config = Path.Combine(directory, ModelConfigReader.HuggingFaceFileName);
        if (!File.Exists(config))
            return null;
        string index = Path.Combine(directory, HuggingFaceIndexFileName);
        if (File.Exists(index))
            return new CheckpointFiles(CheckpointLayout.HuggingFace, config, ReadIndexFiles(index, directory), index);
        string single = Path.Combine(directory, HuggingFaceWeightsFileName);
        if (File.Exists(single))
            return new CheckpointFiles(CheckpointLayout.HuggingFace, config, [single]);
        string[] shards = Directory.GetFiles(directory, "model-*-of-*.safetensors");
        if (shards.Length == 0)
            return null;
        Array.Sort(shards, StringComparer.Ordinal);
        return new CheckpointFiles(CheckpointLayout.HuggingFace, config, shards);
    }

    /// <summary>Reads the weight_map of an HF index: tensor name → shard file name.</summary>
    /// <param name="indexPath">model.safetensors.index.json.</param>
    public static IReadOnlyDictionary<string, string> ReadIndexWeightMap(string indexPath)
    {
        byte[] bytes = FileKinds.ReadAllBytes(indexPath, "shard index", 64L << 20);
        // System.Text.Json checks UTF-8 inside strings only when a string is read, so check it up front.
        if (!Utf8.IsValid(bytes))
            throw FormatErrors.Invalid(indexPath, "not valid UTF-8");
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
                throw FormatErrors.Invalid(indexPath, "expected an object with a 'weight_map' object");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                string? file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                // A shard name is a plain file name beside the index; anything else could escape the folder.
                if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file))
                    throw FormatErrors.Invalid(indexPath, $"weight_map entry '{entry.Name}' must be a shard file name, found {entry.Value.GetRawText()}");
                result[entry.Name] = file;
            }
            return result;
        }
        catch (JsonException e)
        {
            throw FormatErrors.Invalid(indexPath, $"not valid JSON ({e.Message})", e);
        }
    }

    private static string[] ReadIndexFiles(string indexPath, string directory)
    {
        string[] files = ReadIndexWeightMap(indexPath).Values.Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).Select(f => Path.Combine(directory, f)).ToArray();
        if (files.Length == 0)
            throw FormatErrors.Invalid(indexPath, "weight_map is empty");
        return files;
    }
}
