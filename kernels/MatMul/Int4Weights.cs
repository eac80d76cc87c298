using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Group-wise symmetric int4 weights with fp16 scales on a device, in exactly the layout of <see cref="Int4Matrix"/>
/// (kernels/MatMul/README.md): <see cref="Packed"/> [N][K/8] words, <see cref="Scales"/> [N][K/GroupSize] halves
/// held in uint pairs (low half first; the last word is zero-padded when the count is odd).
/// </summary>
public sealed class Int4Weights : LinearWeights
{
    /// <summary>The group sizes the kernels are compiled for.</summary>
    public static IReadOnlyList<int> SupportedGroupSizes { get; } = [32, 128];

    private Int4Weights(Accelerator accelerator, DeviceBuffer<uint> packed, DeviceBuffer<uint> scales, int n, int k, int groupSize)
        : base(accelerator, n, k)
    {
        Packed = packed;
        Scales = scales;
        GroupSize = groupSize;
    }

    /// <summary>Packed nibbles, [N][K/8] words; nibble i of word j of row n is q + 8 for k = 8j + i.</summary>
    public DeviceBuffer<uint> Packed { get; }

    /// <summary>fp16 scales [N][K/GroupSize], two per uint (even index in the low 16 bits).</summary>
    public DeviceBuffer<uint> Scales { get; }

    /// <summary>Consecutive k per scale: 32 or 128.</summary>
    public int GroupSize { get; }

    /// <inheritdoc />
    public override WeightFormat Format => WeightFormat.Int4;

    /// <summary>Bytes of packed weights and scales (the fp16 scales counted at 2 bytes each).</summary>
    public override long DeviceBytes => (long)OutFeatures * InFeatures / 2 + (long)OutFeatures * (InFeatures / GroupSize) * 2;

    /// <summary>
    /// Whether a matrix with <paramref name="k"/> columns can be stored as int4 with <paramref name="groupSize"/>:
    /// k positive and a multiple of 8 and of groupSize, groupSize 32 or 128. When false, keep the matrix in fp16.
    /// </summary>
    public static bool CanQuantize(int k, int groupSize) =>
        k > 0 && SupportedGroupSizes.Contains(groupSize) && k % 8 == 0 && k % groupSize == 0;

    /// <summary>Quantises fp32 <paramref name="weights"/> [n*k] (row-major) and uploads them.</summary>
    /// <exception cref="ArgumentException">See <see cref="Int4Quantizer.Quantize"/>.</exception>
    public static Int4Weights Quantize(Accelerator accelerator, ReadOnlySpan<float> weights, int n, int k, int groupSize = 32) =>
        Upload(accelerator, Int4Quantizer.Quantize(weights, n, k, groupSize));

    /// <summary>Uploads a host-quantised matrix as it is.</summary>
    public static Int4Weights Upload(Accelerator accelerator, Int4Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(matrix);
        var scaleWords = new uint[(matrix.Scales.Length + 1) / 2];
        for (int i = 0; i < matrix.Scales.Length; i++)
        {
            uint bits = BitConverter.HalfToUInt16Bits(matrix.Scales[i]);
            scaleWords[i / 2] |= (i & 1) == 0 ? bits : bits << 16;
        }
        var packed = accelerator.Upload<uint>(matrix.Packed);
        var scales = accelerator.Upload<uint>(scaleWords);
        return new Int4Weights(accelerator, packed, scales, matrix.OutFeatures, matrix.InFeatures, matrix.GroupSize);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        Packed.Dispose();
        Scales.Dispose();
    }
}
