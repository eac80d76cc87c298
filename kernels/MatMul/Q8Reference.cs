using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The Q8 path's references: the device layout of quantised activations unpacked, and the exact integer product
/// per group of 32 that the Q8 kernels must return.
/// </summary>
internal static class Q8Reference
{
    /// <summary>Activations as the device quantiser leaves them: packed int8 values, a scale and a sum per group of 32.</summary>
    public sealed record Quantized(uint[] Values, float[] Scales, int[] Sums);

    /// <summary>Runs the device quantiser on x [tokens, k], ordering it for weights in <paramref name="layout"/>.</summary>
    public static Quantized QuantizeOnDevice(Accelerator accelerator, DeviceBuffer<float> x, int k, int tokens, Int4Layout layout = Int4Layout.Standard)
    {
        using var values = accelerator.Allocate<uint>(tokens * k / 4);
        using var scales = accelerator.Allocate<float>(tokens * k / 32);
        using var sums = accelerator.Allocate<int>(tokens * k / 32);
        Int4MatMul.QuantizeQ8Kernel.Launch(accelerator, LaunchDims.ForElements(tokens * k / 32, Int4MatMul.Q8QuantizeLanes), x, values, scales, sums, k, tokens,
            Int4Layouts.Specialization(layout));
        accelerator.Synchronize();
        return new Quantized(values.ToArray(), scales.ToArray(), sums.ToArray());
    }

    /// <summary>
    /// Unpacks the device layout back to q[t, k]: block b, words 0..15 low-nibble k, 16..31 high-nibble k, of the weight
    /// words stored at 16b .. 16b+15 (in <paramref name="layout"/>'s order).
    /// </summary>
    public static sbyte[] Unpack(uint[] values, int k, int tokens, Int4Layout layout = Int4Layout.Standard)
    {
        var q = new sbyte[tokens * k];
        int interleaved = Int4Layouts.Specialization(layout);
        for (int t = 0; t < tokens; t++)
            for (int j = 0; j < k / 8; j++)
            {
                int word = t * (k / 4) + Int4MatMul.ActivationWord(Int4MatMul.StoredWord(j, interleaved));
                for (int i = 0; i < 4; i++)
                {
                    q[t * k + 8 * j + 2 * i] = (sbyte)(values[word] >> (8 * i));
                    q[t * k + 8 * j + 2 * i + 1] = (sbyte)(values[word + 16] >> (8 * i));
                }
            }
        return q;
    }

    /// <summary>Exact integer dot per group, then the float sum: what the Q8 product must return, and the magnitude its rounding is relative to.</summary>
    /// <summary>
    /// The fp32 product of the stored weights with x, and the bound a Q8 kernel must meet against it: the fp32 bound plus
    /// x's rounding to int8, at most half a step (max|x| / 127 of its group of 32) per element, times |w| summed over k.
    /// </summary>
    public static (double[] Expected, double[] Bounds) AgainstFp32(Int4Matrix matrix, float[] x, int n, int k, int tokens)
    {
        float[] dequantized = matrix.Dequantize();
        var (expected, magnitude) = MatMulReference.Compute(dequantized, x, n, k, tokens);
        var bounds = MatMulReference.Bounds(magnitude);
        for (int t = 0; t < tokens; t++)
            for (int g = 0; g < k / 32; g++)
            {
                float amax = 0;
                for (int i = 0; i < 32; i++) amax = Math.Max(amax, Math.Abs(x[t * k + 32 * g + i]));
                for (int row = 0; row < n; row++)
                    for (int i = 0; i < 32; i++) bounds[t * n + row] += Math.Abs(dequantized[(long)row * k + 32 * g + i]) * amax / 127 / 2;
            }
        return (expected, bounds);
    }

    public static (double[] Y, double[] Magnitude) Product(Int4Matrix matrix, Quantized x, int n, int k, int tokens, Int4Layout layout = Int4Layout.Standard)
    {
        var q = Unpack(x.Values, k, tokens, layout);
        var y = new double[tokens * n];
        var magnitude = new double[tokens * n];
        int groups = k / 32;
        for (int t = 0; t < tokens; t++)
            for (int row = 0; row < n; row++)
            {
                double sum = 0, abs = 0;
                for (int g = 0; g < groups; g++)
                {
                    long dot = 0;
                    for (int i = 32 * g; i < 32 * g + 32; i++) dot += (long)matrix.QuantizedAt(row, i) * q[t * k + i];
                    double term = dot * (double)(float)matrix.Scales[row * (k / matrix.GroupSize) + 32 * g / matrix.GroupSize] * x.Scales[t * groups + g];
                    sum += term;
                    abs += Math.Abs(term);
                }
                y[t * n + row] = sum;
                magnitude[t * n + row] = abs;
            }
        return (y, magnitude);
    }
}
