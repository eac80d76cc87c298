namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// One tensor of a GGUF file, already validated: a supported type, a whole number of blocks per row, and a byte
/// range aligned and inside the data section.
/// </summary>
/// <param name="Name">The tensor's name (<c>blk.0.attn_q.weight</c>).</param>
/// <param name="Type">Its element type.</param>
/// <param name="Dimensions">ggml's <c>ne</c>: the innermost (contiguous) dimension first.</param>
/// <param name="Offset">First byte, relative to the start of the data section.</param>
/// <param name="ByteLength">Bytes of data.</param>
public sealed record GgufTensorInfo(string Name, GgufTensorType Type, IReadOnlyList<long> Dimensions, long Offset, long ByteLength)
{
    /// <summary>The shape outermost first, as safetensors and <see cref="WeightId.ExpectedShape"/> write it: ggml's [K, N] is [N, K].</summary>
    public long[] Shape => Dimensions.Reverse().ToArray();

    /// <summary>Number of elements.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Elements per row: the innermost dimension.</summary>
    public long RowLength => Dimensions[0];

    /// <summary>The shape written as "[a, b]" (outermost first) for messages.</summary>
    public string ShapeText => TensorInfo.FormatShape(Shape);

    /// <summary>
    /// The bytes a tensor of <paramref name="type"/> with dimensions <paramref name="dimensions"/> occupies, or null
    /// when the innermost dimension is not a whole number of blocks or the size overflows 64 bits.
    /// </summary>
    /// <param name="type">The element type.</param>
    /// <param name="dimensions">ggml's ne, innermost first, each positive.</param>
    public static long? ByteSize(GgufTensorType type, IReadOnlyList<long> dimensions)
    {
        if (dimensions.Count == 0 || dimensions[0] % type.BlockSize() != 0)
            return null;
        long bytes = dimensions[0] / type.BlockSize() * type.BlockBytes();
        for (int i = 1; i < dimensions.Count; i++)
        {
            if (dimensions[i] <= 0 || bytes > long.MaxValue / dimensions[i])
                return null;
            bytes *= dimensions[i];
        }
        return bytes;
    }
}
