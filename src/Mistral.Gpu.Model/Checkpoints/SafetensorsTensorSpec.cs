namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>A tensor <see cref="SafetensorsWriter"/> streams: its name, dtype and shape (the bytes come later).</summary>
/// <param name="Name">Tensor name in the header.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
public sealed record SafetensorsTensorSpec(string Name, TensorDType DType, IReadOnlyList<long> Shape)
{
    /// <summary>Bytes of data: the product of the shape times the element size.</summary>
    public long ByteLength => Shape.Aggregate((long)DType.SizeInBytes(), (a, d) => checked(a * d));
}
