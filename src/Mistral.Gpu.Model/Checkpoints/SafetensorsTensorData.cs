using System.Buffers.Binary;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>One tensor to be written by <see cref="SafetensorsWriter"/>: name, dtype, shape and raw little-endian bytes.</summary>
public sealed class SafetensorsTensorData
{
    private SafetensorsTensorData(string name, TensorDType dtype, long[] shape, byte[] data)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    /// <summary>Tensor name in the header.</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public TensorDType DType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The little-endian element bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>An F32 tensor.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="values">Row-major values; count must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">Dimensions.</param>
    public static SafetensorsTensorData Float32(string name, ReadOnlySpan<float> values, params long[] shape)
    {
        CheckShape(name, values.Length, shape);
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        return new SafetensorsTensorData(name, TensorDType.F32, shape, data);
    }

    /// <summary>An I32 tensor.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="values">Row-major values; count must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">Dimensions.</param>
    public static SafetensorsTensorData Int32(string name, ReadOnlySpan<int> values, params long[] shape)
    {
        CheckShape(name, values.Length, shape);
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * 4), values[i]);
        return new SafetensorsTensorData(name, TensorDType.I32, shape, data);
    }

    private static void CheckShape(string name, int count, long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        long product = 1;
        foreach (long d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"tensor '{name}': shape {TensorInfo.FormatShape(shape)} has a negative dimension", nameof(shape));
            product = checked(product * d);
        }
        if (product != count)
            throw new ArgumentException($"tensor '{name}': shape {TensorInfo.FormatShape(shape)} holds {product} elements but {count} values were given", nameof(shape));
    }
}
