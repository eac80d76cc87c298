namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>One logical tensor: its kind and, for per-layer kinds, the layer index (-1 otherwise).</summary>
/// <param name="Kind">Which tensor.</param>
/// <param name="Layer">Layer index for per-layer kinds; -1 for model-level ones.</param>
public readonly record struct WeightId(WeightKind Kind, int Layer = -1)
{
    /// <summary>True for the kinds that exist once per transformer block.</summary>
    public bool IsPerLayer => IsPerLayerKind(Kind);

    /// <summary>True for the kinds that exist once per transformer block.</summary>
    /// <param name="kind">The kind.</param>
    public static bool IsPerLayerKind(WeightKind kind) =>
        kind is not (WeightKind.TokEmbeddings or WeightKind.Norm or WeightKind.Output);

    /// <summary>Every tensor a model with <paramref name="nLayers"/> layers has, in file order.</summary>
    /// <param name="nLayers">Number of layers.</param>
    public static IEnumerable<WeightId> All(int nLayers)
    {
        yield return new WeightId(WeightKind.TokEmbeddings);
        for (int layer = 0; layer < nLayers; layer++)
        {
            foreach (WeightKind kind in Enum.GetValues<WeightKind>())
                if (IsPerLayerKind(kind))
                    yield return new WeightId(kind, layer);
        }
        yield return new WeightId(WeightKind.Norm);
        yield return new WeightId(WeightKind.Output);
    }

    /// <summary>The shape this tensor must have under <paramref name="config"/> (native orientation, [out, in]).</summary>
    /// <param name="config">The model's hyperparameters.</param>
    public long[] ExpectedShape(ModelConfig config) => Kind switch
    {
        WeightKind.TokEmbeddings or WeightKind.Output => [config.VocabSize, config.Dim],
        WeightKind.AttentionNorm or WeightKind.FfnNorm or WeightKind.Norm => [config.Dim],
        WeightKind.Wq => [config.QueryDim, config.Dim],
        WeightKind.Wk or WeightKind.Wv => [config.KvDim, config.Dim],
        WeightKind.Wo => [config.Dim, config.QueryDim],
        WeightKind.W1 or WeightKind.W3 => [config.HiddenDim, config.Dim],
        WeightKind.W2 => [config.Dim, config.HiddenDim],
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown weight kind"),
    };

    /// <inheritdoc />
    public override string ToString() => IsPerLayer ? $"{Kind}[layer {Layer}]" : Kind.ToString();
}
