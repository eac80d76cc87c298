namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Several safetensors files read as one namespace of tensors. A tensor found in two shards is an
/// error rather than "last one wins", since silently picking one would hide a broken export.
/// </summary>
public sealed class SafetensorsShardSet : IDisposable
{
    private readonly List<SafetensorsFile> _files = [];
    private readonly Dictionary<string, SafetensorsFile> _owner = new(StringComparer.Ordinal);

    /// <summary>Opens every file in <paramref name="paths"/>; when an HF index is given, checks it agrees with the shards.</summary>
    /// <param name="paths">The shard files.</param>
    /// <param name="indexPath">Optional model.safetensors.index.json.</param>
    public SafetensorsShardSet(IEnumerable<string> paths, string? indexPath = null)
    {
        try
        {
            foreach (string path in paths)
            {
                SafetensorsFile file = SafetensorsFile.Open(path);
                _files.Add(file);
                foreach (string name in file.Tensors.Keys)
                {
                    if (!_owner.TryAdd(name, file))
                        throw FormatErrors.Invalid(path, $"tensor '{name}' is also in {_owner[name].Path}; each tensor must be in exactly one shard");
                }
            }
            if (indexPath is not null)
                CheckIndex(indexPath);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The opened files.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Every tensor name across all shards.</summary>
    public IEnumerable<string> TensorNames => _owner.Keys;

    /// <summary>The shard that holds <paramref name="name"/>, or null.</summary>
    /// <param name="name">Tensor name.</param>
    public SafetensorsFile? Find(string name) => _owner.GetValueOrDefault(name);

    private void CheckIndex(string indexPath)
    {
        foreach ((string tensor, string shard) in CheckpointFiles.ReadIndexWeightMap(indexPath))
        {
            if (Find(tensor) is not { } file)
                throw FormatErrors.Invalid(indexPath, $"weight_map lists tensor '{tensor}' in {shard}, but no shard holds it");
            if (Path.GetFileName(file.Path) != shard)
                throw FormatErrors.Invalid(indexPath, $"weight_map puts tensor '{tensor}' in {shard}, but it is in {file.Path}");
        }
    }

    /// <summary>Unmaps every shard.</summary>
    public void Dispose()
    {
        foreach (SafetensorsFile file in _files)
            file.Dispose();
        _files.Clear();
        _owner.Clear();
    }
}
