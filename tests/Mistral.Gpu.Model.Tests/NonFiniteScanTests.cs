using System.Buffers.Binary;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

/// <summary>The vectorised scan for NaN/infinity against a scalar reference (widen, then float.IsFinite), in every float dtype.</summary>
public sealed class NonFiniteScanTests
{
    public static TheoryData<TensorDType, int> Cases()
    {
        var data = new TheoryData<TensorDType, int>();
        foreach (var dtype in new[] { TensorDType.F32, TensorDType.F16, TensorDType.BF16 })
            foreach (int length in new[] { 1, 7, 16, 33, 1000 })
                data.Add(dtype, length);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Finds_the_first_non_finite_element_like_the_scalar_reference(TensorDType dtype, int length)
    {
        var random = new Random(length * 7 + (int)dtype);
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -0f, float.Epsilon, 65504f];
        for (int trial = 0; trial < 50; trial++)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++)
                values[i] = random.Next(40) == 0 ? specials[random.Next(specials.Length)] : (float)(random.NextDouble() * 200 - 100);
            byte[] stored = Store(values, dtype);
            var widened = new float[length];
            Float32Conversion.Convert(stored, dtype, widened);
            long expected = Array.FindIndex(widened, v => !float.IsFinite(v));
            Assert.Equal(expected, NonFiniteScan.FirstIndex(stored, dtype));
            if (expected >= 0) Assert.Equal(widened[expected], NonFiniteScan.ValueAt(stored, dtype, expected));
        }
    }

    [Fact]
    public void Integer_dtypes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => NonFiniteScan.FirstIndex(new byte[8], TensorDType.I32));
    }

    private static byte[] Store(float[] values, TensorDType dtype)
    {
        int size = dtype.SizeInBytes();
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            if (dtype == TensorDType.F32) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
            else if (dtype == TensorDType.F16) BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
            else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), Float32Conversion.SingleToBFloat16(values[i]));
        }
        return bytes;
    }
}
