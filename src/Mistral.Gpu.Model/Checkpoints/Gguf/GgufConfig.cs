namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// A <see cref="ModelConfig"/> from the metadata of a GGUF file of the <c>llama</c> architecture (what llama.cpp
/// writes for Mistral models). A key the runner cannot honour (another architecture, rope scaling, partial rotary
/// dimensions, experts) is an error naming the key, rather than a model that runs and answers wrongly.
/// </summary>
public static class GgufConfig
{
    /// <summary>The only architecture read: Mistral 7B GGUFs declare <c>llama</c>.</summary>
    public const string Architecture = "llama";

    /// <summary>llama.cpp's rope base when <c>llama.rope.freq_base</c> is absent.</summary>
    public const double DefaultRopeTheta = 10000.0;

    /// <summary>Reads the config; every error names <paramref name="metadata"/>'s file and the key.</summary>
    /// <param name="metadata">The file's metadata.</param>
    public static ModelConfig Read(GgufMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string path = metadata.Path;
        string architecture = metadata.RequireString("general.architecture");
        if (architecture != Architecture)
            throw FormatErrors.Invalid(path, $"metadata 'general.architecture' is '{architecture}'; only '{Architecture}' (the architecture Mistral GGUF files declare) is supported");
        const string p = Architecture + ".";

        if (metadata.OptionalInt(p + "expert_count", minimum: 0) is > 0 and var experts)
            throw FormatErrors.Invalid(path, $"metadata '{p}expert_count' is {experts}: mixture-of-experts models are not supported");
        if (metadata.OptionalString(p + "rope.scaling.type") is { } scaling && scaling != "none")
            throw FormatErrors.Invalid(path, $"metadata '{p}rope.scaling.type' is '{scaling}': rope scaling is not supported");
        if (metadata.OptionalPositiveNumber(p + "rope.scaling.factor") is { } factor && factor != 1)
            throw FormatErrors.Invalid(path, $"metadata '{p}rope.scaling.factor' is {factor}: rope scaling is not supported");

        int dim = metadata.RequireInt(p + "embedding_length");
        int heads = metadata.RequireInt(p + "attention.head_count");
        int? keyLength = metadata.OptionalInt(p + "attention.key_length");
        if (keyLength is null && dim % heads != 0)
            throw FormatErrors.Invalid(path, $"metadata '{p}attention.key_length' is absent and '{p}embedding_length' ({dim}) is not a multiple of '{p}attention.head_count' ({heads})");
        int headDim = keyLength ?? dim / heads;
        if (metadata.OptionalInt(p + "attention.value_length") is { } valueLength && valueLength != headDim)
            throw FormatErrors.Invalid(path, $"metadata '{p}attention.value_length' ({valueLength}) differs from the key length ({headDim}); the runner needs equal key and value heads");
        if (metadata.OptionalInt(p + "rope.dimension_count") is { } rotary && rotary != headDim)
            throw FormatErrors.Invalid(path, $"metadata '{p}rope.dimension_count' ({rotary}) differs from the head size ({headDim}); partial rotary embeddings are not supported");
        int kvHeads = metadata.OptionalInt(p + "attention.head_count_kv") ?? heads;
        if (heads % kvHeads != 0)
            throw FormatErrors.Invalid(path, $"metadata '{p}attention.head_count' ({heads}) must be a multiple of '{p}attention.head_count_kv' ({kvHeads})");
        int vocab = metadata.OptionalInt(p + "vocab_size")
            ?? metadata.OptionalArray<string>("tokenizer.ggml.tokens")?.Length
            ?? throw FormatErrors.Invalid(path, $"neither metadata '{p}vocab_size' nor 'tokenizer.ggml.tokens' gives the vocabulary size");
        // 0 is how some writers say "no window".
        int? window = metadata.OptionalInt(p + "attention.sliding_window", minimum: 0) is > 0 and var w ? w : null;

        var config = new ModelConfig(
            Dim: dim,
            NLayers: metadata.RequireInt(p + "block_count"),
            NHeads: heads,
            NKvHeads: kvHeads,
            HeadDim: headDim,
            HiddenDim: metadata.RequireInt(p + "feed_forward_length"),
            VocabSize: vocab,
            NormEps: metadata.OptionalPositiveNumber(p + "attention.layer_norm_rms_epsilon") ?? throw metadata.Missing(p + "attention.layer_norm_rms_epsilon"),
            RopeTheta: metadata.OptionalPositiveNumber(p + "rope.freq_base") ?? DefaultRopeTheta,
            SlidingWindow: window,
            MaxSeqLen: metadata.OptionalInt(p + "context_length"),
            Layout: CheckpointLayout.Gguf);
        return config.Validate(path);
    }
}
