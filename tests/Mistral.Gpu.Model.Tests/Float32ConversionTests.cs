using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

/// <summary>The vectorised bf16 widening against the one-value shift, over every bf16 bit pattern and ragged lengths.</summary>
public class Float32ConversionTests
{
    [Theory]
    [InlineData(65536)]
    [InlineData(65536 + 7)]
    [InlineData(15)]
    [InlineData(1)]
    public void Bf16_widening_matches_the_scalar_shift_bit_for_bit(int count)
    {
        var source = new byte[count * 2];
        for (int i = 0; i < count; i++)
        {
            ushort bits = (ushort)(i * 40503);   // odd multiplier: a permutation of all 65536 patterns
            source[2 * i] = (byte)bits;
            source[2 * i + 1] = (byte)(bits >> 8);
        }
        var widened = new float[count];
        Float32Conversion.Convert(source, TensorDType.BF16, widened);
        for (int i = 0; i < count; i++)
        {
            float expected = Float32Conversion.BFloat16ToSingle((ushort)(source[2 * i] | source[2 * i + 1] << 8));
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(widened[i]));
        }
    }
}
