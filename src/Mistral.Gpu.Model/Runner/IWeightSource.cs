using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// Where a <see cref="MistralModel"/>'s tensors come from, each already on the device: a checkpoint (what
/// <see cref="MistralModel.Load(Accelerator, string, ModelLoadOptions?)"/> reads), or weights made on the spot
/// (the bench's random int4 matrices for a 7B shape, which never exist as fp32 on the host).
/// </summary>
public interface IWeightSource
{
    /// <summary>An fp32 tensor of <paramref name="length"/> elements kept as it is: the embedding table or a norm gain.</summary>
    DeviceBuffer<float> Vector(WeightId id, long length);

    /// <summary>A linear map of device shape <paramref name="n"/> x <paramref name="k"/> (after any head padding).</summary>
    LinearWeights Linear(WeightId id, int n, int k);
}
