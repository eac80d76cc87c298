using Mistral.Gpu.Kernels;

namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// A GGUF file read as the logical tensors of <see cref="WeightKind"/>. llama.cpp stores llama-architecture q/k rows
/// in the interleaved-RoPE order Mistral's native checkpoints use, so rows are read as they are. Every tensor's
/// presence and shape is checked against the metadata's config when the file is opened.
/// </summary>
public sealed class GgufCheckpoint : IModelCheckpoint
{
    private readonly Dictionary<WeightId, GgufTensorInfo> _sources = [];

    private GgufCheckpoint(GgufFile file, ModelConfig config)
    {
        File = file;
        Config = config;
        foreach (WeightId id in WeightId.All(config.NLayers))
            _sources[id] = Resolve(id);
    }

    /// <summary>The file.</summary>
    public GgufFile File { get; }

    /// <inheritdoc />
    public ModelConfig Config { get; }

    /// <inheritdoc />
    public string ConfigSource => File.Path;

    /// <summary>True when the file has no <c>output.weight</c> and the classifier is the embedding.</summary>
    public bool HasTiedOutput { get; private set; }

    /// <summary>True when <paramref name="path"/> names a GGUF file by its extension.</summary>
    /// <param name="path">A model path.</param>
    public static bool IsGgufPath(string path) => path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens <paramref name="path"/>, reads its config and checks every tensor.</summary>
    /// <param name="path">A .gguf file.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file, its metadata or a tensor is wrong; the message names the file and the field.</exception>
    public static GgufCheckpoint Open(string path)
    {
        var file = GgufFile.Open(path);
        try
        {
            return new GgufCheckpoint(file, GgufConfig.Read(file.Metadata));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The file tensor behind <paramref name="id"/> (the embedding for a tied output).</summary>
    /// <param name="id">The logical tensor.</param>
    public GgufTensorInfo GetSourceInfo(WeightId id) => Source(id);

    /// <inheritdoc />
    public void ReadFloat32(WeightId id, Span<float> destination)
    {
        GgufTensorInfo info = Source(id);
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"{id} has {info.ElementCount} elements but the destination holds {destination.Length}", nameof(destination));
        GgufBlocks.Dequantize(info.Type, File.GetBytes(info), destination);
    }

    /// <summary>Q4_0 tensors asked for in groups of 32 come back repacked, bit for bit; anything else is null.</summary>
    /// <param name="id">A linear map.</param>
    /// <param name="groupSize">The group size asked for.</param>
    public Int4Matrix? ReadInt4(WeightId id, int groupSize)
    {
        GgufTensorInfo info = Source(id);
        if (info.Type != GgufTensorType.Q4_0 || groupSize != GgufTensorTypes.BlockWeights || info.Dimensions.Count != 2)
            return null;
        return GgufBlocks.RepackQ4_0(File.GetBytes(info), (int)info.Dimensions[1], (int)info.Dimensions[0]);
    }

    /// <inheritdoc />
    public void Release(WeightId id) => File.ReleasePages(Source(id));

    /// <summary>Unmaps the file.</summary>
    public void Dispose() => File.Dispose();

    private GgufTensorInfo Source(WeightId id) =>
        _sources.TryGetValue(id, out var info) ? info
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"not a tensor of this {Config.NLayers}-layer model");

    private GgufTensorInfo Resolve(WeightId id)
    {
        string name = CheckpointTensorNames.Gguf(id);
        GgufTensorInfo? info = File.Find(name);
        if (info is null && id.Kind == WeightKind.Output)
        {
            HasTiedOutput = true;
            return Resolve(new WeightId(WeightKind.TokEmbeddings));
        }
        if (info is null)
            throw FormatErrors.Invalid(File.Path, $"tensor '{name}' ({id}) is missing; the metadata declares {Config.NLayers} layers");
        long[] expected = id.ExpectedShape(Config);
        if (!info.Shape.SequenceEqual(expected))
            throw FormatErrors.Invalid(File.Path,
                $"tensor '{name}' has shape {info.ShapeText} but the metadata expects {TensorInfo.FormatShape(expected)} (config contradicting the weights)");
        return info;
    }
}
