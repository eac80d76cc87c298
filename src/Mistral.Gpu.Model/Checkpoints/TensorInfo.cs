namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// One tensor's entry in a safetensors header, already validated: its byte range lies inside the
/// data section and matches the shape and dtype exactly.
/// </summary>
/// <param name="Name">The tensor's name in the file.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">Dimensions, outermost first (row-major).</param>
/// <param name="DataBegin">First byte, relative to the start of the data section.</param>
/// <param name="DataEnd">One past the last byte, relative to the start of the data section.</param>
public sealed record TensorInfo(string Name, TensorDType DType, IReadOnlyList<long> Shape, long DataBegin, long DataEnd)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>Size of the tensor's data in bytes.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The shape written as "[a, b]" for error messages.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Formats a shape as "[a, b]".</summary>
    /// <param name="shape">The dimensions.</param>
    public static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>True when the shape equals <paramref name="expected"/> exactly.</summary>
    /// <param name="expected">The dimensions to compare with.</param>
    public bool HasShape(IReadOnlyList<long> expected) => Shape.SequenceEqual(expected);
}
