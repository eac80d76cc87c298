using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// A Mistral-architecture model on a device: its config, the token embedding table (fp32), every
/// block's norms (fp32) and linear maps (in the chosen precision), the final norm, the classifier,
/// and the RoPE table. The forward pass lives in <see cref="Transformer"/>.
/// </summary>
public sealed class MistralModel : IDisposable
{
    private MistralModel(Accelerator accelerator, ModelConfig config, WeightFormat precision, int contextLength, int? deviceHeadDim, KvCacheFormat? kvCache)
    {
        Accelerator = accelerator;
        Config = config;
        Precision = precision;
        ContextLength = contextLength;
        int headDim = deviceHeadDim ?? HeadPadding.DeviceHeadDim(config.HeadDim);
        if (headDim < config.HeadDim)
            throw new ArgumentOutOfRangeException(nameof(deviceHeadDim), headDim, $"The device head size cannot be below the model's head_dim {config.HeadDim}.");
        // A window at least as long as the context never excludes a key, so it is full attention
        // over a cache of the whole context; otherwise the cache holds exactly the window.
        Attention = config.SlidingWindow is { } w && w < contextLength
            ? new AttentionShape(config.NHeads, config.NKvHeads, headDim, CacheSlots: w, Window: w)
            : new AttentionShape(config.NHeads, config.NKvHeads, headDim, CacheSlots: contextLength, Window: int.MaxValue);
        KvCache = kvCache ?? KvCacheFormats.DefaultFor(accelerator);
        KvCacheBudget.Check(accelerator, config, Attention, KvCache, contextLength);
        Attention.Validate();
    }

    /// <summary>The device the weights live on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The hyperparameters.</summary>
    public ModelConfig Config { get; }

    /// <summary>The format asked for the linear weights (some matrices may be fp16 under int4; see <see cref="ModelLoadOptions.Log"/>).</summary>
    public WeightFormat Precision { get; }

    /// <summary>The KV cache format a <see cref="Transformer"/> of this model uses unless told otherwise (<see cref="ModelLoadOptions.KvCache"/>).</summary>
    public KvCacheFormat KvCache { get; }

    /// <summary>The most positions a sequence may occupy.</summary>
    public int ContextLength { get; }

    /// <summary>
    /// Attention heads, cache slots and window, as the attention kernels take them. Its head size is
    /// the config's, or the next size the kernels support with the heads zero-padded (<see cref="HeadPadding"/>).
    /// </summary>
    public AttentionShape Attention { get; }

    /// <summary>Token embedding table <c>[vocab, dim]</c>, fp32.</summary>
    public DeviceBuffer<float> Embedding { get; private set; } = null!;

    /// <summary>The transformer blocks.</summary>
    public IReadOnlyList<LayerWeights> Layers => layers;

    /// <summary>Final RMSNorm gain <c>[dim]</c>.</summary>
    public DeviceBuffer<float> Norm { get; private set; } = null!;

    /// <summary>Classifier <c>[vocab, dim]</c>.</summary>
    public LinearWeights Output { get; private set; } = null!;

    /// <summary>RoPE inverse frequencies for the config's head size and theta.</summary>
    public RopeTable Rope { get; private set; } = null!;

    /// <summary>Device bytes of all weights.</summary>
    public long WeightBytes { get; private set; }

    private readonly List<LayerWeights> layers = [];

    /// <summary>The context of a sliding-window model that declares no maximum: 2^24, where fp32 positions stop being exact.</summary>
    public const int MaxPositions = 1 << 24;

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> (a folder with Mistral-native <c>params.json</c> +
    /// <c>consolidated.safetensors</c> or Hugging Face <c>config.json</c> + <c>model*.safetensors</c>, or a
    /// <c>.gguf</c> file) and uploads it to <paramref name="accelerator"/>, quantizing for int4 (a GGUF's Q4_0
    /// blocks are repacked as they are).
    /// </summary>
    /// <param name="accelerator">The device.</param>
    /// <param name="path">The model folder or .gguf file.</param>
    /// <param name="options">Precision, context and progress reporting.</param>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">No checkpoint in it.</exception>
    /// <exception cref="InvalidDataException">A missing tensor, or a shape that contradicts the config (the message names the file).</exception>
    public static MistralModel Load(Accelerator accelerator, string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        using IModelCheckpoint checkpoint = OpenCheckpoint(path, options);
        return Load(accelerator, checkpoint, options);
    }

    /// <summary>
    /// Opens the checkpoint at <paramref name="path"/> without uploading it: a <see cref="GgufCheckpoint"/> for a
    /// <c>.gguf</c> file, else a <see cref="CheckpointReader"/> over the folder (or <paramref name="options"/>' files).
    /// </summary>
    /// <param name="path">The model folder or .gguf file.</param>
    /// <param name="options">The layout or files to read from a folder.</param>
    public static IModelCheckpoint OpenCheckpoint(string path, ModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (options?.Files is null && GgufCheckpoint.IsGgufPath(path))
            return GgufCheckpoint.Open(path);
        return CheckpointReader.Open(options?.Files ?? CheckpointFiles.Detect(path, options?.Layout));
    }

    /// <summary>Uploads the tensors of an open checkpoint to <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">The device.</param>
    /// <param name="checkpoint">The checkpoint (its shapes were checked against its config on open).</param>
    /// <param name="options">Precision, context and progress reporting.</param>
    public static MistralModel Load(Accelerator accelerator, IModelCheckpoint checkpoint, ModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(checkpoint);
        options ??= new ModelLoadOptions();
        var config = checkpoint.Config;
        int context = ContextFor(checkpoint, options);
        var model = new MistralModel(accelerator, config, options.Precision, context, options.DeviceHeadDim, options.KvCache);
        try
        {
            var source = new CheckpointWeights(model, checkpoint, options);
            model.Assemble(source, options);
            source.Report(options.Log);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The context a load runs with: the option, else the config's maximum (which must be one the runner takes),
    /// else 2^24 for a sliding-window model; a context past the config's maximum runs but is noted.
    /// </summary>
    private static int ContextFor(IModelCheckpoint checkpoint, ModelLoadOptions options)
    {
        var config = checkpoint.Config;
        string file = checkpoint.ConfigSource;
        string key = config.Layout switch
        {
            CheckpointLayout.Native => "max_seq_len",
            CheckpointLayout.Gguf => "llama.context_length",
            _ => "max_position_embeddings",
        };
        if (options.ContextLength is { } asked)
        {
            if (asked <= 0) throw new ArgumentOutOfRangeException(nameof(options), asked, "The context length must be positive.");
            if (asked > config.MaxSeqLen)
                options.Log?.Invoke($"a context of {asked} positions is longer than the {config.MaxSeqLen} that {file} declares ({key}); it runs (the cache {(config.SlidingWindow is { } w ? $"rotates over the {w}-position window" : "holds every position")}), but the model was not trained that far, so expect worse text past {config.MaxSeqLen}");
            return asked;
        }
        if (config.MaxSeqLen is { } declared)
            return declared <= MaxPositions ? declared
                : throw new InvalidDataException($"{file}: field '{key}' is {declared}, above the {MaxPositions} positions this runner supports (fp32 positions stop being exact there); give a smaller context (--context N)");
        return config.SlidingWindow is null
            ? throw new InvalidDataException($"{file}: declares neither {key} nor sliding_window; give the context length (--context N)")
            : MaxPositions;
    }

    /// <summary>
    /// Builds a model from tensors another <paramref name="source"/> makes on <paramref name="accelerator"/>: the
    /// same structure, forward pass and cache as a loaded checkpoint. No head padding: the config's head_dim must be
    /// one the attention kernels take.
    /// </summary>
    /// <param name="accelerator">The device the source's tensors live on.</param>
    /// <param name="config">The hyperparameters the tensors follow.</param>
    /// <param name="source">The tensors; the model owns what it returns.</param>
    /// <param name="options">Context, KV cache format and progress (precision and group size are the source's business).</param>
    /// <exception cref="ArgumentException">The head size is not one the kernels take, or the context is not positive.</exception>
    public static MistralModel Create(Accelerator accelerator, ModelConfig config, IWeightSource source, ModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new ModelLoadOptions();
        int context = options.ContextLength ?? config.MaxSeqLen ?? MaxPositions;
        if (context <= 0) throw new ArgumentOutOfRangeException(nameof(options), context, "The context length must be positive.");
        if (!AttentionShape.SupportedHeadDims.Contains(config.HeadDim))
            throw new ArgumentException($"head_dim {config.HeadDim} is not one the attention kernels take ({string.Join(", ", AttentionShape.SupportedHeadDims)}).", nameof(config));
        var model = new MistralModel(accelerator, config, options.Precision, context, config.HeadDim, options.KvCache);
        try
        {
            model.Assemble(source, options);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Takes every tensor from <paramref name="source"/> in checkpoint order, counting bytes and progress.</summary>
    private void Assemble(IWeightSource source, ModelLoadOptions options)
    {
        var c = Config;
        int total = WeightId.All(c.NLayers).Count(), done = 0;
        int hd = c.HeadDim, dhd = Attention.HeadDim;
        DeviceBuffer<float> Vector(WeightKind kind, int layer = -1)
        {
            var id = new WeightId(kind, layer);
            var buffer = source.Vector(id, id.ExpectedShape(c).Aggregate(1L, (a, b) => a * b));
            Count(id, buffer.SizeInBytes);
            return buffer;
        }
        LinearWeights Linear(WeightKind kind, int layer = -1)
        {
            var id = new WeightId(kind, layer);
            var shape = id.ExpectedShape(c);
            int n = (int)shape[0], k = (int)shape[1];
            if (kind is WeightKind.Wq or WeightKind.Wk or WeightKind.Wv) n = n / hd * dhd;
            if (kind is WeightKind.Wo) k = k / hd * dhd;
            var weights = source.Linear(id, n, k);
            Count(id, weights.DeviceBytes);
            return weights;
        }
        static LinearGroup Group(params LinearWeights[] parts) => LinearGroup.Create(parts);
        void Count(WeightId id, long bytes)
        {
            WeightBytes += bytes;
            options.Progress?.Invoke(++done, total, id.ToString());
        }

        Embedding = Vector(WeightKind.TokEmbeddings);
        for (int l = 0; l < c.NLayers; l++)
        {
            // Taken in checkpoint order (Wq Wk Wv Wo W1 W2 W3), so progress and a missing tensor read as the file does.
            var norm = Vector(WeightKind.AttentionNorm, l);
            var qkv = Group(Linear(WeightKind.Wq, l), Linear(WeightKind.Wk, l), Linear(WeightKind.Wv, l));
            var wo = Linear(WeightKind.Wo, l);
            var ffnNorm = Vector(WeightKind.FfnNorm, l);
            var w1 = Linear(WeightKind.W1, l);
            var w2 = Linear(WeightKind.W2, l);
            layers.Add(new LayerWeights(norm, qkv, wo, ffnNorm, Group(w1, Linear(WeightKind.W3, l)), w2));
        }
        Norm = Vector(WeightKind.Norm);
        Output = Linear(WeightKind.Output);
        Rope = RopeTable.Create(Accelerator, dhd, hd == dhd ? (float)c.RopeTheta : HeadPadding.RopeTheta(c.RopeTheta, hd, dhd));
    }

    /// <summary>
    /// A checkpoint's tensors uploaded as the model runs them: heads zero-padded to the device head size, int4
    /// quantized on the way (fp16 where K does not fit whole groups).
    /// </summary>
    private sealed class CheckpointWeights(MistralModel model, IModelCheckpoint checkpoint, ModelLoadOptions options) : IWeightSource
    {
        private readonly List<string> keptFp16 = [];

        public DeviceBuffer<float> Vector(WeightId id, long length)
        {
            var buffer = model.Accelerator.Upload<float>(checkpoint.ReadFloat32(id));
            checkpoint.Release(id);
            return buffer;
        }

        public LinearWeights Linear(WeightId id, int n, int k)
        {
            try
            {
                return Read(id, n, k);
            }
            finally
            {
                checkpoint.Release(id);
            }
        }

        private LinearWeights Read(WeightId id, int n, int k)
        {
            var c = model.Config;
            int hd = c.HeadDim, dhd = model.Attention.HeadDim;
            bool padded = hd != dhd && id.Kind is WeightKind.Wq or WeightKind.Wk or WeightKind.Wv or WeightKind.Wo;
            // Weights the file already holds as int4 in our groups go up as they are: no requantising.
            if (options.Precision == WeightFormat.Int4 && !padded && checkpoint.ReadInt4(id, options.GroupSize) is { } stored)
                return Int4Weights.Upload(model.Accelerator, stored, Int4Layouts.PreferredFor(model.Accelerator, k));
            float[] data = checkpoint.ReadFloat32(id);
            if (padded)
            {
                data = id.Kind switch
                {
                    WeightKind.Wq => HeadPadding.PadRows(data, c.NHeads, hd, dhd, k, MathF.Sqrt((float)dhd / hd)),
                    WeightKind.Wk or WeightKind.Wv => HeadPadding.PadRows(data, c.NKvHeads, hd, dhd, k),
                    _ => HeadPadding.PadColumns(data, n, c.NHeads, hd, dhd),
                };
            }
            var format = options.Precision;
            if (format == WeightFormat.Int4 && !Int4Weights.CanQuantize(k, options.GroupSize))
            {
                format = WeightFormat.Fp16;
                keptFp16.Add($"{id} (K={k})");
            }
            // int4 in the word order this device's int4 path reads fastest (the CPU backend's group-interleaved one).
            return format == WeightFormat.Int4
                ? Int4Weights.Quantize(model.Accelerator, data, n, k, options.GroupSize, Int4Layouts.PreferredFor(model.Accelerator, k))
                : LinearWeights.Upload(model.Accelerator, data, n, k, format, options.GroupSize);
        }

        public void Report(Action<string>? log)
        {
            var c = model.Config;
            if (c.HeadDim != model.Attention.HeadDim)
                log?.Invoke($"head_dim {c.HeadDim} runs as {model.Attention.HeadDim} with zero-padded heads (the attention kernels are compiled for {string.Join(", ", AttentionShape.SupportedHeadDims)})");
            if (keptFp16.Count > 0)
                log?.Invoke($"int4: {keptFp16.Count} matrices kept in fp16 because K is not a multiple of the group size {options.GroupSize}: {string.Join(", ", keptFp16)}");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Embedding?.Dispose();
        foreach (var layer in layers) layer.Dispose();
        Norm?.Dispose();
        Output?.Dispose();
        Rope?.Dispose();
    }
}
