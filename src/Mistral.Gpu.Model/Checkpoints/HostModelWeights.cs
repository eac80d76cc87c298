namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// All weights of a model as float32 host arrays in the native layout: what a CPU reference or an
/// fp32 upload needs. Large models should stream tensors from <see cref="CheckpointReader"/> instead.
/// </summary>
/// <param name="Config">The model's hyperparameters.</param>
/// <param name="TokEmbeddings">[vocab, dim]</param>
/// <param name="Layers">One entry per transformer block.</param>
/// <param name="Norm">[dim]</param>
/// <param name="Output">[vocab, dim]; a copy of the embedding when the checkpoint ties them.</param>
public sealed record HostModelWeights(
    ModelConfig Config,
    float[] TokEmbeddings,
    IReadOnlyList<HostLayerWeights> Layers,
    float[] Norm,
    float[] Output)
{
    /// <summary>Reads every tensor of <paramref name="reader"/> as float32.</summary>
    /// <param name="reader">An open checkpoint.</param>
    public static HostModelWeights Read(CheckpointReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        float[] Get(WeightKind kind, int layer = -1) => reader.ReadFloat32(new WeightId(kind, layer));
        var layers = new HostLayerWeights[reader.Config.NLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = new HostLayerWeights(
                Get(WeightKind.AttentionNorm, i), Get(WeightKind.Wq, i), Get(WeightKind.Wk, i), Get(WeightKind.Wv, i),
                Get(WeightKind.Wo, i), Get(WeightKind.FfnNorm, i), Get(WeightKind.W1, i), Get(WeightKind.W2, i), Get(WeightKind.W3, i));
        }
        return new HostModelWeights(reader.Config, Get(WeightKind.TokEmbeddings), layers, Get(WeightKind.Norm), Get(WeightKind.Output));
    }
}
