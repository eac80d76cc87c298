using Mistral.Gpu.Kernels.Parity;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The host int4 quantiser: layout, round trip, edge groups and bad shapes (no device needed).</summary>
public sealed class Int4QuantizerTests
{
    [Theory]
    [InlineData(1, 32, 32)]
    [InlineData(3, 64, 32)]
    [InlineData(5, 256, 128)]
    [InlineData(17, 4096, 128)]
    public void Round_trip_error_is_at_most_half_a_scale(int n, int k, int groupSize)
    {
        float[] w = ParityData.Random(n * k, 41, 0.2f);
        var m = Int4Quantizer.Quantize(w, n, k, groupSize);
        Assert.Equal(n * k / 8, m.Packed.Length);
        Assert.Equal(n * k / groupSize, m.Scales.Length);
        float[] back = m.Dequantize();
        for (int row = 0; row < n; row++)
            for (int kk = 0; kk < k; kk++)
            {
                float s = (float)m.Scales[row * (k / groupSize) + kk / groupSize];
                int q = m.QuantizedAt(row, kk);
                Assert.InRange(q, -7, 7);
                float error = MathF.Abs(back[row * k + kk] - w[row * k + kk]);
                // Rounding to the nearest multiple of s: |w - q s| <= s/2, plus one fp32 rounding of q * s.
                Assert.True(error <= s / 2 * (1 + 1e-6f), $"({row}, {kk}): error {error} > s/2 = {s / 2}");
            }
    }

    [Fact]
    public void Layout_is_row_major_words_of_eight_nibbles_plus_eight()
    {
        // One row, k = 32, group 32: max |w| = 7 gives s = 1 exactly, so q = round(w).
        float[] w = new float[32];
        for (int i = 0; i < 32; i++) w[i] = (i % 15) - 7;
        var m = Int4Quantizer.Quantize(w, 1, 32, 32);
        Assert.Equal((Half)1f, m.Scales[0]);
        for (int j = 0; j < 4; j++)
        {
            uint expected = 0;
            for (int i = 0; i < 8; i++) expected |= (uint)((int)w[8 * j + i] + 8) << (4 * i);
            Assert.Equal(expected, m.Packed[j]);
        }
        // k = 0..7: -7..0 -> nibbles 1..8, low nibble first.
        Assert.Equal(0x87654321u, m.Packed[0]);
    }

    [Fact]
    public void Zero_group_stores_zero_scale_and_zero_values()
    {
        float[] w = new float[64];
        for (int i = 32; i < 64; i++) w[i] = i % 2 == 0 ? 0.5f : -0.25f;
        var m = Int4Quantizer.Quantize(w, 1, 64, 32);
        Assert.Equal((Half)0f, m.Scales[0]);
        for (int k = 0; k < 32; k++) Assert.Equal(0f, m.ValueAt(0, k));
        Assert.Equal((float)(Half)(0.5f / 7f), (float)m.Scales[1]);
        Assert.Equal(7, m.QuantizedAt(0, 32));
    }

    [Theory]
    [InlineData(32, 32, true)]
    [InlineData(160, 32, true)]
    [InlineData(4096, 32, true)]
    [InlineData(4096, 128, true)]
    [InlineData(14336, 128, true)]
    [InlineData(4, 32, false)]
    [InlineData(96, 128, false)]
    [InlineData(36, 32, false)]
    [InlineData(100, 32, false)]
    [InlineData(64, 64, false)]
    [InlineData(0, 32, false)]
    public void CanQuantize_needs_k_a_multiple_of_8_and_of_the_group(int k, int groupSize, bool expected) =>
        Assert.Equal(expected, Int4Weights.CanQuantize(k, groupSize));

    [Fact]
    public void Bad_shapes_throw_naming_the_argument()
    {
        float[] w = new float[4 * 96];
        Assert.Equal("k", Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(w, 4, 96, 128)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(new float[4 * 36], 4, 36, 32)).ParamName);
        Assert.Equal("groupSize", Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(w, 4, 96, 64)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(w, 0, 96, 32)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(w, 3, 96, 32)).ParamName);
        MatMulBackends.With("cpu", accelerator =>
            Assert.Equal("k", Assert.Throws<ArgumentException>(() => LinearWeights.Upload(accelerator, w, 4, 96, WeightFormat.Int4, 128)).ParamName));
    }
}
