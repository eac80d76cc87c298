namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Reads a <see cref="ModelConfig"/> from Mistral's <c>params.json</c> or Hugging Face's <c>config.json</c>.
/// Errors name the file and the JSON key.
/// </summary>
public static class ModelConfigReader
{
    /// <summary>File name of a Mistral-native config.</summary>
    public const string NativeFileName = "params.json";

    /// <summary>File name of a Hugging Face config.</summary>
    public const string HuggingFaceFileName = "config.json";

    /// <summary>
    /// rope_theta when a params.json omits it and sets a sliding window: Mistral 7B v0.1's params.json
    /// has no rope_theta key and was trained with 10000.
    /// </summary>
    public const double NativeDefaultRopeThetaWithWindow = 10000.0;

    /// <summary>rope_theta when a params.json omits it and has no window: newer Mistral code reads that as 1e6.</summary>
    public const double NativeDefaultRopeThetaWithoutWindow = 1_000_000.0;

    /// <summary>rope_theta when a Hugging Face config omits it (MistralConfig's default).</summary>
    public const double HuggingFaceDefaultRopeTheta = 10000.0;

    /// <summary>rms_norm_eps when a Hugging Face config omits it (MistralConfig's default).</summary>
    public const double HuggingFaceDefaultNormEps = 1e-6;

    /// <summary>
    /// Reads the config in <paramref name="directory"/>: params.json when present (the native layout),
    /// else config.json.
    /// </summary>
    /// <param name="directory">A model folder.</param>
    public static ModelConfig ReadFromDirectory(string directory)
    {
        string native = Path.Combine(directory, NativeFileName);
        if (File.Exists(native))
            return ReadNative(native);
        string hf = Path.Combine(directory, HuggingFaceFileName);
        if (File.Exists(hf))
            return ReadHuggingFace(hf);
        throw new FileNotFoundException($"{directory}: no {NativeFileName} or {HuggingFaceFileName} found", native);
    }

    /// <summary>Reads a Mistral-native <c>params.json</c>.</summary>
    /// <param name="path">The file.</param>
    public static ModelConfig ReadNative(string path)
    {
        using ConfigJson json = ConfigJson.Load(path);
        int dim = json.RequirePositiveInt("dim");
        int nHeads = json.RequirePositiveInt("n_heads");
        int? window = json.OptionalPositiveInt("sliding_window");
        var config = new ModelConfig(
            Dim: dim,
            NLayers: json.RequirePositiveInt("n_layers"),
            NHeads: nHeads,
            NKvHeads: json.OptionalPositiveInt("n_kv_heads") ?? nHeads,
            HeadDim: json.OptionalPositiveInt("head_dim") ?? DeriveHeadDim(path, dim, nHeads, "dim", "n_heads"),
            HiddenDim: json.RequirePositiveInt("hidden_dim"),
            VocabSize: json.RequirePositiveInt("vocab_size"),
            NormEps: json.RequirePositiveDouble("norm_eps"),
            RopeTheta: json.OptionalPositiveDouble("rope_theta")
                ?? (window is null ? NativeDefaultRopeThetaWithoutWindow : NativeDefaultRopeThetaWithWindow),
            SlidingWindow: window,
            MaxSeqLen: json.OptionalPositiveInt("max_seq_len"),
            Layout: CheckpointLayout.Native);
        CheckHeads(path, config, "n_heads", "n_kv_heads", "head_dim");
        ConfigFieldChecks.CheckNative(json, config);
        return config.Validate(path);
    }

    /// <summary>Reads a Hugging Face <c>config.json</c> (MistralConfig / LlamaConfig keys).</summary>
    /// <param name="path">The file.</param>
    public static ModelConfig ReadHuggingFace(string path)
    {
        using ConfigJson json = ConfigJson.Load(path);
        int dim = json.RequirePositiveInt("hidden_size");
        int nHeads = json.RequirePositiveInt("num_attention_heads");
        var config = new ModelConfig(
            Dim: dim,
            NLayers: json.RequirePositiveInt("num_hidden_layers"),
            NHeads: nHeads,
            NKvHeads: json.OptionalPositiveInt("num_key_value_heads") ?? nHeads,
            HeadDim: json.OptionalPositiveInt("head_dim") ?? DeriveHeadDim(path, dim, nHeads, "hidden_size", "num_attention_heads"),
            HiddenDim: json.RequirePositiveInt("intermediate_size"),
            VocabSize: json.RequirePositiveInt("vocab_size"),
            NormEps: json.OptionalPositiveDouble("rms_norm_eps") ?? HuggingFaceDefaultNormEps,
            RopeTheta: json.OptionalPositiveDouble("rope_theta") ?? HuggingFaceDefaultRopeTheta,
            SlidingWindow: json.OptionalPositiveInt("sliding_window"),
            MaxSeqLen: json.OptionalPositiveInt("max_position_embeddings"),
            Layout: CheckpointLayout.HuggingFace);
        CheckHeads(path, config, "num_attention_heads", "num_key_value_heads", "head_dim");
        ConfigFieldChecks.CheckHuggingFace(json, config);
        return config.Validate(path);
    }

    private static int DeriveHeadDim(string path, int dim, int nHeads, string dimKey, string headsKey)
    {
        if (dim % nHeads != 0)
            throw FormatErrors.Invalid(path, $"'head_dim' is absent and '{dimKey}' ({dim}) is not a multiple of '{headsKey}' ({nHeads})");
        return dim / nHeads;
    }

    private static void CheckHeads(string path, ModelConfig config, string headsKey, string kvHeadsKey, string headDimKey)
    {
        if (config.NHeads % config.NKvHeads != 0)
            throw FormatErrors.Invalid(path, $"'{headsKey}' ({config.NHeads}) must be a multiple of '{kvHeadsKey}' ({config.NKvHeads})");
        if (config.HeadDim % 2 != 0)
            throw FormatErrors.Invalid(path, $"'{headDimKey}' ({config.HeadDim}) must be even for rotary embeddings");
    }
}
