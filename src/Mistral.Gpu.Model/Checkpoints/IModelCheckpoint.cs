using Mistral.Gpu.Kernels;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// A model's weights as the runner reads them, whatever the file format: the config, each logical tensor as fp32 in
/// native row order (streamed one tensor at a time), and the tensors already stored in our int4 layout. Shapes were
/// checked against the config when the checkpoint was opened.
/// </summary>
public interface IModelCheckpoint : IDisposable
{
    /// <summary>The model's hyperparameters.</summary>
    ModelConfig Config { get; }

    /// <summary>The file the config came from (params.json, config.json or the .gguf), for messages.</summary>
    string ConfigSource { get; }

    /// <summary>Converts <paramref name="id"/> to fp32 into <paramref name="destination"/>, in native row order.</summary>
    /// <param name="id">The logical tensor.</param>
    /// <param name="destination">Exactly as many elements as the tensor has.</param>
    void ReadFloat32(WeightId id, Span<float> destination);

    /// <summary>Reads <paramref name="id"/> as fp32 in native row order.</summary>
    /// <param name="id">The logical tensor.</param>
    float[] ReadFloat32(WeightId id)
    {
        var result = new float[checked((int)id.ExpectedShape(Config).Aggregate(1L, (a, b) => a * b))];
        ReadFloat32(id, result);
        return result;
    }

    /// <summary>
    /// The tensor as int4 in groups of <paramref name="groupSize"/> when the file stores it that way (GGUF Q4_0 for
    /// groups of 32), bit for bit; null when it would have to be quantised.
    /// </summary>
    /// <param name="id">A linear map.</param>
    /// <param name="groupSize">The group size asked for.</param>
    Int4Matrix? ReadInt4(WeightId id, int groupSize);

    /// <summary>Says the loader is done with <paramref name="id"/>, so its mapped pages stop counting towards resident memory.</summary>
    /// <param name="id">The logical tensor.</param>
    void Release(WeightId id);
}
