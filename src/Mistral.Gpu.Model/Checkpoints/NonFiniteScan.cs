using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Finds the first NaN or infinity in stored floating-point data (F32, F16, BF16, little-endian) by its
/// exponent bits, a vector at a time: one NaN weight turns every logit into NaN, and the argmax of NaN
/// logits is a token id that looks valid, so checkpoints are scanned on load. The scan reads the bytes
/// once at memory speed, which is small next to converting or uploading them.
/// </summary>
public static class NonFiniteScan
{
    /// <summary>The element index of the first NaN or ±infinity in <paramref name="stored"/>, or -1 when every value is finite.</summary>
    /// <param name="stored">Raw little-endian element bytes.</param>
    /// <param name="dtype">F32, F16 or BF16.</param>
    /// <exception cref="ArgumentException">The dtype is not a floating-point type.</exception>
    public static long FirstIndex(ReadOnlySpan<byte> stored, TensorDType dtype) => dtype switch
    {
        // All exponent bits set means infinity (zero mantissa) or NaN, in all three formats.
        TensorDType.F32 => First<uint>(stored, 0x7F80_0000u),
        TensorDType.F16 => First<ushort>(stored, (ushort)0x7C00),
        TensorDType.BF16 => First<ushort>(stored, (ushort)0x7F80),
        _ => throw new ArgumentException($"dtype {dtype} is not a floating-point type", nameof(dtype)),
    };

    /// <summary>The element at <paramref name="index"/> widened to float32, for the message (NaN, +Inf or -Inf).</summary>
    /// <param name="stored">Raw little-endian element bytes.</param>
    /// <param name="dtype">F32, F16 or BF16.</param>
    /// <param name="index">An element index inside <paramref name="stored"/>.</param>
    public static float ValueAt(ReadOnlySpan<byte> stored, TensorDType dtype, long index)
    {
        int size = dtype.SizeInBytes();
        Span<float> one = stackalloc float[1];
        Float32Conversion.Convert(stored.Slice(checked((int)(index * size)), size), dtype, one);
        return one[0];
    }

    private static long First<T>(ReadOnlySpan<byte> stored, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        ReadOnlySpan<T> bits = MemoryMarshal.Cast<byte, T>(stored);
        if (!BitConverter.IsLittleEndian)
            return FirstScalar(stored, exponent);
        int i = 0;
        if (Vector.IsHardwareAccelerated && bits.Length >= Vector<T>.Count)
        {
            var mask = new Vector<T>(exponent);
            for (; i <= bits.Length - Vector<T>.Count; i += Vector<T>.Count)
                if (Vector.EqualsAny(new Vector<T>(bits.Slice(i, Vector<T>.Count)) & mask, mask))
                    break;
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & exponent) == exponent)
                return i;
        return -1;
    }

    private static long FirstScalar<T>(ReadOnlySpan<byte> stored, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (int i = 0; i < stored.Length / size; i++)
        {
            T value = size == 4
                ? T.CreateTruncating(BinaryPrimitives.ReadUInt32LittleEndian(stored[(i * 4)..]))
                : T.CreateTruncating(BinaryPrimitives.ReadUInt16LittleEndian(stored[(i * 2)..]));
            if ((value & exponent) == exponent)
                return i;
        }
        return -1;
    }
}
