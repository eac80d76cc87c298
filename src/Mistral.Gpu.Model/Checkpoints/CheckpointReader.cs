using Mistral.Gpu.Kernels;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// A model checkpoint (either layout) read as the logical tensors of <see cref="WeightKind"/>, in the
/// native naming and row order: Hugging Face q/k rows are un-permuted on read, so both layouts of the
/// same model give identical tensors. Every tensor's presence, dtype and shape is checked against the
/// config when the reader is opened, before any weight is used.
/// </summary>
public sealed class CheckpointReader : IModelCheckpoint
{
    private readonly SafetensorsShardSet _shards;
    private readonly Dictionary<WeightId, (SafetensorsFile File, TensorInfo Info)> _sources = [];

    private CheckpointReader(CheckpointFiles files, ModelConfig config, SafetensorsShardSet shards)
    {
        Files = files;
        Config = config;
        _shards = shards;
        CheckNoExtraLayers();
        foreach (WeightId id in WeightId.All(config.NLayers))
            _sources[id] = Resolve(id);
        SourceDType = _sources[new WeightId(WeightKind.TokEmbeddings)].Info.DType;
    }

    /// <summary>The files this reader was opened from.</summary>
    public CheckpointFiles Files { get; }

    /// <summary>The model's hyperparameters.</summary>
    public ModelConfig Config { get; }

    /// <inheritdoc />
    public string ConfigSource => Files.ConfigPath;

    /// <summary>The checkpoint's naming convention.</summary>
    public CheckpointLayout Layout => Files.Layout;

    /// <summary>
    /// The stored element type of the weights (that of the embedding table), so a runner can keep
    /// fp16/bf16 instead of widening. Individual tensors may differ; see <see cref="GetSourceInfo"/>.
    /// </summary>
    public TensorDType SourceDType { get; }

    /// <summary>True when the checkpoint has no classifier tensor and <see cref="WeightKind.Output"/> is the embedding.</summary>
    public bool HasTiedOutput { get; private set; }

    /// <summary>Detects the layout in <paramref name="directory"/> and opens it.</summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="layout">Force a layout; null prefers native when both are present.</param>
    public static CheckpointReader Open(string directory, CheckpointLayout? layout = null) =>
        Open(CheckpointFiles.Detect(directory, layout));

    /// <summary>Opens an explicit set of files (e.g. a bf16 copy of the weights beside the fp32 ones).</summary>
    /// <param name="files">Config, shards and optional index.</param>
    public static CheckpointReader Open(CheckpointFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        ModelConfig config = files.Layout == CheckpointLayout.Native
            ? ModelConfigReader.ReadNative(files.ConfigPath)
            : ModelConfigReader.ReadHuggingFace(files.ConfigPath);
        var shards = new SafetensorsShardSet(files.WeightPaths, files.IndexPath);
        try
        {
            return new CheckpointReader(files, config, shards);
        }
        catch
        {
            shards.Dispose();
            throw;
        }
    }

    /// <summary>The file tensor that backs <paramref name="id"/> (the embedding for a tied output).</summary>
    /// <param name="id">The logical tensor.</param>
    public TensorInfo GetSourceInfo(WeightId id) => Source(id).Info;

    /// <summary>The path of the file that holds <paramref name="id"/>.</summary>
    /// <param name="id">The logical tensor.</param>
    public string GetSourcePath(WeightId id) => Source(id).File.Path;

    /// <summary>Reads <paramref name="id"/> as float32 in native row order.</summary>
    /// <param name="id">The logical tensor.</param>
    public float[] ReadFloat32(WeightId id)
    {
        var result = new float[checked((int)Source(id).Info.ElementCount)];
        ReadFloat32(id, result);
        return result;
    }

    /// <summary>Converts <paramref name="id"/> to float32 into <paramref name="destination"/>, in native row order.</summary>
    /// <param name="id">The logical tensor.</param>
    /// <param name="destination">Exactly as many elements as the tensor has.</param>
    public void ReadFloat32(WeightId id, Span<float> destination)
    {
        (SafetensorsFile file, TensorInfo info) = Source(id);
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"{id} has {info.ElementCount} elements but the destination holds {destination.Length}", nameof(destination));
        CheckFinite(file, info);
        if (RowPermutationHeads(id) is not { } _)
        {
            file.ReadAsFloat32(info.Name, destination);
            return;
        }
        var hfOrder = new float[destination.Length];
        file.ReadAsFloat32(info.Name, hfOrder);
        RopeRowPermutation.ToNative<float>(hfOrder, destination, (int)info.Shape[1], Config.HeadDim);
    }

    /// <summary>
    /// The stored bytes of <paramref name="id"/> in its source dtype (<see cref="GetSourceInfo"/>), in
    /// native row order, for runners that upload fp16/bf16 weights as they are.
    /// </summary>
    /// <param name="id">The logical tensor.</param>
    public byte[] ReadSourceBytes(WeightId id)
    {
        (SafetensorsFile file, TensorInfo info) = Source(id);
        ReadOnlySpan<byte> stored = CheckFinite(file, info);
        var result = new byte[stored.Length];
        if (RowPermutationHeads(id) is null)
            stored.CopyTo(result);
        else
            RopeRowPermutation.ToNative(stored, result, (int)info.Shape[1] * info.DType.SizeInBytes(), Config.HeadDim);
        return result;
    }

    /// <summary>Always null: safetensors weights are floating point, so int4 comes from quantising them.</summary>
    /// <param name="id">A linear map.</param>
    /// <param name="groupSize">The group size asked for.</param>
    public Int4Matrix? ReadInt4(WeightId id, int groupSize) => null;

    /// <inheritdoc />
    public void Release(WeightId id)
    {
        (SafetensorsFile file, TensorInfo info) = Source(id);
        file.ReleasePages(info);
    }

    /// <summary>Reads every tensor as float32 into host memory.</summary>
    public HostModelWeights ReadAllFloat32() => HostModelWeights.Read(this);

    /// <summary>Unmaps the checkpoint files.</summary>
    public void Dispose() => _shards.Dispose();

    private (SafetensorsFile File, TensorInfo Info) Source(WeightId id)
    {
        if (!_sources.TryGetValue(id, out var source))
            throw new ArgumentOutOfRangeException(nameof(id), id, $"not a tensor of this {Config.NLayers}-layer model");
        return source;
    }

    /// <summary>
    /// The stored bytes of a weight, after checking every value is finite: a NaN or infinity would make
    /// every logit NaN, which no backend reports by itself (an argmax over NaN returns some id).
    /// </summary>
    private static ReadOnlySpan<byte> CheckFinite(SafetensorsFile file, TensorInfo info)
    {
        ReadOnlySpan<byte> stored = file.GetBytes(info);
        long index = NonFiniteScan.FirstIndex(stored, info.DType);
        if (index < 0)
            return stored;
        float value = NonFiniteScan.ValueAt(stored, info.DType, index);
        string where = info.Shape.Count == 2
            ? $"row {index / info.Shape[1]}, column {index % info.Shape[1]} of shape {info.ShapeText}"
            : $"shape {info.ShapeText}";
        throw FormatErrors.Invalid(file.Path,
            $"tensor '{info.Name}' holds {(float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity")} at element {index} ({where}); weights must be finite, so the checkpoint is refused");
    }

    /// <summary>HF q/k rows need un-permuting; the result is the number of heads, or null when rows are native.</summary>
    private int? RowPermutationHeads(WeightId id) => (Layout, id.Kind) switch
    {
        (CheckpointLayout.HuggingFace, WeightKind.Wq) => Config.NHeads,
        (CheckpointLayout.HuggingFace, WeightKind.Wk) => Config.NKvHeads,
        _ => null,
    };

    /// <summary>
    /// A config that declares fewer layers than the checkpoint holds would run a truncated model that
    /// still produces fluent-looking logits, so tensors of layers past the count are an error.
    /// </summary>
    private void CheckNoExtraLayers()
    {
        string prefix = CheckpointTensorNames.LayerPrefix(Layout);
        foreach (string name in _shards.TensorNames)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            string rest = name[prefix.Length..];
            int dot = rest.IndexOf('.');
            if (dot > 0 && int.TryParse(rest.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer)
                && layer >= Config.NLayers)
            {
                string key = Layout == CheckpointLayout.Native ? "n_layers" : "num_hidden_layers";
                throw FormatErrors.Invalid(Files.ConfigPath,
                    $"field '{key}' is {Config.NLayers}, but {_shards.Find(name)!.Path} holds tensor '{name}' of layer {layer}; the config and the weights disagree");
            }
        }
    }

    private (SafetensorsFile File, TensorInfo Info) Resolve(WeightId id)
    {
        string name = CheckpointTensorNames.For(id, Layout);
        SafetensorsFile? file = _shards.Find(name);
        if (file is null && id.Kind == WeightKind.Output)
        {
            if (ConfigFieldChecks.TieWordEmbeddings(Files) == false)
                throw FormatErrors.Invalid(Files.ConfigPath,
                    $"field 'tie_word_embeddings' is false, but no shard holds the classifier '{name}'; the checkpoint is incomplete (set it to true only if the model shares its embedding)");
            // Tied embeddings: checkpoints that share the classifier with the embedding omit it.
            HasTiedOutput = true;
            return Resolve(new WeightId(WeightKind.TokEmbeddings));
        }
        if (file is null)
            throw FormatErrors.Invalid(string.Join(", ", Files.WeightPaths),
                $"tensor '{name}' ({id}) is missing; the config {Files.ConfigPath} declares {Config.NLayers} layers");

        TensorInfo info = file.GetInfo(name);
        if (!info.DType.IsFloatingPoint())
            throw FormatErrors.Invalid(file.Path, $"tensor '{name}' has dtype {info.DType}; weights must be F32, F16 or BF16");
        long[] expected = id.ExpectedShape(Config);
        if (!info.HasShape(expected))
            throw FormatErrors.Invalid(file.Path,
                $"tensor '{name}' has shape {info.ShapeText} but the config {Files.ConfigPath} expects {TensorInfo.FormatShape(expected)} (config contradicting the weights)");
        return (file, info);
    }
}
