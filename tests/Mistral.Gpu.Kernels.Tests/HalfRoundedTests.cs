using Mistral.Gpu.Language;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>KMath.HalfRounded against .NET's own float-to-Half conversion (IEEE round to nearest even).</summary>
public sealed class HalfRoundedTests
{
    /// <summary>Every 4099th float bit pattern (about a million, every exponent, both signs) and the edges by hand.</summary>
    [Fact]
    public void Rounds_every_float_to_the_half_System_Half_chooses()
    {
        float[] edges = [0f, -0f, 65504f, 65519.99f, 65520f, -65520f, 6.1035156e-5f, 6.1035e-5f, 5.9604645e-8f, 2.9802322e-8f,
            2.9802326e-8f, 8.940697e-8f, -0.5234f, 4e-7f, float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity];
        foreach (float x in edges) Check(x);
        for (ulong bits = 0; bits <= uint.MaxValue; bits += 4099) Check(BitConverter.UInt32BitsToSingle((uint)bits));
    }

    [Fact]
    public void Keeps_NaN_a_NaN()
    {
        Assert.True(float.IsNaN(KMath.HalfRounded(float.NaN)));
        Assert.True(Half.IsNaN((Half)KMath.HalfRounded(float.NaN)));
    }

    private static void Check(float x)
    {
        if (float.IsNaN(x)) return;
        float rounded = KMath.HalfRounded(x);
        float expected = (float)(Half)x;
        Assert.True(BitConverter.SingleToUInt32Bits(rounded) == BitConverter.SingleToUInt32Bits(expected) || (Half)rounded == (Half)x && float.IsInfinity(expected),
            $"HalfRounded({x:R}) = {rounded:R}, expected {expected:R}");
        // Already a half: any conversion after it, truncating or not, is exact.
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)x), BitConverter.HalfToUInt16Bits((Half)rounded));
    }
}
