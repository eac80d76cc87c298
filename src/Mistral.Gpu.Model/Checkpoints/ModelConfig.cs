namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// The hyperparameters of a Mistral-architecture model, in one shape whichever config file they came from.
/// </summary>
/// <param name="Dim">Model (residual stream) width.</param>
/// <param name="NLayers">Number of transformer blocks.</param>
/// <param name="NHeads">Query heads.</param>
/// <param name="NKvHeads">Key/value heads (grouped-query attention); divides <paramref name="NHeads"/>.</param>
/// <param name="HeadDim">Width of one head; read from the config when present, not assumed to be Dim / NHeads.</param>
/// <param name="HiddenDim">Feed-forward (SwiGLU) width.</param>
/// <param name="VocabSize">Number of token ids.</param>
/// <param name="NormEps">RMSNorm epsilon.</param>
/// <param name="RopeTheta">RoPE base frequency.</param>
/// <param name="SlidingWindow">Attention window in positions; null means full (causal) attention.</param>
/// <param name="MaxSeqLen">Longest context the config declares, when it declares one.</param>
/// <param name="Layout">Which checkpoint layout the config came with.</param>
public sealed record ModelConfig(
    int Dim,
    int NLayers,
    int NHeads,
    int NKvHeads,
    int HeadDim,
    int HiddenDim,
    int VocabSize,
    double NormEps,
    double RopeTheta,
    int? SlidingWindow,
    int? MaxSeqLen,
    CheckpointLayout Layout)
{
    /// <summary>
    /// Mistral 7B v0.1's shapes (its params.json has no rope_theta, which for this model means 10000),
    /// for benchmarks on synthetic weights at real scale.
    /// </summary>
    public static ModelConfig Mistral7Bv01 { get; } = new(
        Dim: 4096, NLayers: 32, NHeads: 32, NKvHeads: 8, HeadDim: 128, HiddenDim: 14336, VocabSize: 32000,
        NormEps: 1e-5, RopeTheta: 10000.0, SlidingWindow: 4096, MaxSeqLen: 32768, Layout: CheckpointLayout.Native);

    /// <summary>
    /// Mistral 7B v0.2's shapes: v0.1's without the sliding window (full attention over 32768 positions) and with
    /// rope_theta 1e6; the vocabulary is still 32000.
    /// </summary>
    public static ModelConfig Mistral7Bv02 { get; } = Mistral7Bv01 with { RopeTheta = 1_000_000.0, SlidingWindow = null };

    /// <summary>
    /// Mistral 7B v0.3's shapes: v0.2's with the vocabulary extended to 32768 (tokenizer.model.v3, whose first ids are
    /// control tokens such as [INST] and [/INST]).
    /// </summary>
    public static ModelConfig Mistral7Bv03 { get; } = Mistral7Bv02 with { VocabSize = 32768 };

    /// <summary>Rows of Wq: <see cref="NHeads"/> × <see cref="HeadDim"/>.</summary>
    public int QueryDim => NHeads * HeadDim;

    /// <summary>Rows of Wk and Wv: <see cref="NKvHeads"/> × <see cref="HeadDim"/>.</summary>
    public int KvDim => NKvHeads * HeadDim;

    /// <summary>Query heads per KV head; query head h uses KV head h / GroupSize.</summary>
    public int GroupSize => NHeads / NKvHeads;

    /// <summary>
    /// Checks the invariants the forward pass relies on and throws an <see cref="InvalidDataException"/>
    /// naming <paramref name="source"/> and the offending field otherwise.
    /// </summary>
    /// <param name="source">The file the config came from, for the message.</param>
    public ModelConfig Validate(string source)
    {
        RequirePositive(source, nameof(Dim), Dim);
        RequirePositive(source, nameof(NLayers), NLayers);
        RequirePositive(source, nameof(NHeads), NHeads);
        RequirePositive(source, nameof(NKvHeads), NKvHeads);
        RequirePositive(source, nameof(HeadDim), HeadDim);
        RequirePositive(source, nameof(HiddenDim), HiddenDim);
        RequirePositive(source, nameof(VocabSize), VocabSize);
        if (NHeads % NKvHeads != 0)
            throw FormatErrors.Invalid(source, $"{nameof(NHeads)} ({NHeads}) must be a multiple of {nameof(NKvHeads)} ({NKvHeads})");
        // RoPE rotates dimension pairs, so a head must have an even width.
        if (HeadDim % 2 != 0)
            throw FormatErrors.Invalid(source, $"{nameof(HeadDim)} ({HeadDim}) must be even for rotary embeddings");
        if ((long)NHeads * HeadDim > int.MaxValue)
            throw FormatErrors.Invalid(source, $"{nameof(NHeads)} × {nameof(HeadDim)} ({NHeads} × {HeadDim}) is too large");
        if (!(NormEps > 0) || double.IsInfinity(NormEps))
            throw FormatErrors.Invalid(source, $"{nameof(NormEps)} ({NormEps}) must be a positive finite number");
        if (!(RopeTheta > 0) || double.IsInfinity(RopeTheta))
            throw FormatErrors.Invalid(source, $"{nameof(RopeTheta)} ({RopeTheta}) must be a positive finite number");
        if (SlidingWindow is { } window)
            RequirePositive(source, nameof(SlidingWindow), window);
        if (MaxSeqLen is { } maxSeqLen)
            RequirePositive(source, nameof(MaxSeqLen), maxSeqLen);
        return this;
    }

    private static void RequirePositive(string source, string field, int value)
    {
        if (value <= 0)
            throw FormatErrors.Invalid(source, $"{field} must be positive, found {value}");
    }
}
