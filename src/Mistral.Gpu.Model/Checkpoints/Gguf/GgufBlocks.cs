using System.Buffers.Binary;
using Mistral.Gpu.Kernels;

namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// Turns GGUF tensor data into what the runner uploads: fp32 values (every widening exact: an fp16 times a small
/// integer fits fp32's 24-bit mantissa), or, for Q4_0, our int4 layout without requantising.
/// </summary>
/// <remarks>
/// Q4_0 and our int4 are the same numbers: groups of 32 consecutive k with one fp16 scale and 4-bit codes c with
/// w = scale · (c - 8). Only the nibble order differs: ggml's byte j holds k = j (low) and j + 16 (high), ours
/// packs k = 8j .. 8j + 7 into word j, nibble i for k = 8j + i. The repack moves nibbles and copies scales, so the
/// device multiplies exactly the weights llama.cpp multiplies.
/// </remarks>
public static class GgufBlocks
{
    /// <summary>Widens <paramref name="data"/> (a whole tensor or whole rows of <paramref name="type"/>) to fp32.</summary>
    /// <param name="type">The stored type.</param>
    /// <param name="data">Its bytes: a whole number of blocks.</param>
    /// <param name="destination">Exactly as many values as the data holds.</param>
    /// <exception cref="ArgumentException">The lengths do not agree.</exception>
    public static void Dequantize(GgufTensorType type, ReadOnlySpan<byte> data, Span<float> destination)
    {
        int block = type.BlockSize(), blockBytes = type.BlockBytes();
        if (destination.Length % block != 0 || (long)destination.Length / block * blockBytes != data.Length)
            throw new ArgumentException($"{data.Length} bytes of {type} do not hold {destination.Length} values", nameof(destination));
        switch (type)
        {
            case GgufTensorType.F32:
                Float32Conversion.Convert(data, TensorDType.F32, destination);
                break;
            case GgufTensorType.F16:
                Float32Conversion.Convert(data, TensorDType.F16, destination);
                break;
            case GgufTensorType.Q8_0:
                for (int b = 0; b < destination.Length / block; b++)
                {
                    var bytes = data.Slice(b * blockBytes, blockBytes);
                    float scale = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes);
                    var values = destination.Slice(b * block, block);
                    for (int i = 0; i < block; i++) values[i] = scale * (sbyte)bytes[2 + i];
                }
                break;
            case GgufTensorType.Q4_0:
                for (int b = 0; b < destination.Length / block; b++)
                {
                    var bytes = data.Slice(b * blockBytes, blockBytes);
                    float scale = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes);
                    var values = destination.Slice(b * block, block);
                    for (int j = 0; j < block / 2; j++)
                    {
                        values[j] = scale * ((bytes[2 + j] & 15) - 8);
                        values[j + block / 2] = scale * ((bytes[2 + j] >> 4) - 8);
                    }
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a supported GGUF tensor type");
        }
    }

    /// <summary>
    /// Rearranges the Q4_0 blocks of an <paramref name="n"/> × <paramref name="k"/> matrix into our int4 layout with
    /// groups of 32: the same codes and the same fp16 scales.
    /// </summary>
    /// <param name="data">n · k / 32 blocks of 18 bytes, row-major.</param>
    /// <param name="n">Rows.</param>
    /// <param name="k">Columns, a multiple of 32.</param>
    /// <exception cref="ArgumentException">The shape or the length is wrong.</exception>
    public static Int4Matrix RepackQ4_0(ReadOnlySpan<byte> data, int n, int k)
    {
        const int block = GgufTensorTypes.BlockWeights, blockBytes = GgufTensorTypes.Q4_0BlockBytes;
        if (n <= 0 || k <= 0 || k % block != 0)
            throw new ArgumentException($"a Q4_0 matrix needs positive rows and columns that are a multiple of {block}, got {n} x {k}", nameof(k));
        long blocks = (long)n * (k / block);
        if (blocks * blockBytes != data.Length)
            throw new ArgumentException($"{data.Length} bytes of Q4_0 do not hold a {n} x {k} matrix ({blocks} blocks of {blockBytes} bytes)", nameof(data));
        var packed = new uint[blocks * (block / 8)];
        var scales = new Half[blocks];
        for (long b = 0; b < blocks; b++)
        {
            var bytes = data.Slice((int)(b * blockBytes), blockBytes);
            scales[b] = BinaryPrimitives.ReadHalfLittleEndian(bytes);
            var nibbles = bytes[2..];
            // Our four words of this group: word w holds k = 8w .. 8w + 7 of the group.
            for (int w = 0; w < block / 8; w++)
            {
                uint word = 0;
                for (int i = 0; i < 8; i++)
                {
                    int e = 8 * w + i;
                    uint code = e < block / 2 ? nibbles[e] & 15u : (uint)nibbles[e - block / 2] >> 4;
                    word |= code << (4 * i);
                }
                packed[b * (block / 8) + w] = word;
            }
        }
        return Int4PackedMatrix.Create(packed, scales, n, k, groupSize: block);
    }
}
