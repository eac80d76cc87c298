using Mistral.Gpu.Kernels;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// Runs a model whose head size has no compiled attention variant (stories260k's 8) on the next
/// supported size by zero-padding every head: q, k and v gain zero dimensions, which change no dot
/// product and no weighted sum. Two things must be put back: the kernels scale scores by
/// 1/√(padded), so Wq is scaled by √(padded / true); and RoPE pair i must keep its angle
/// <c>θ^(-2i/true)</c>, which the padded table gives with base <c>θ^(padded/true)</c>.
/// </summary>
public static class HeadPadding
{
    /// <summary>The head size the attention kernels run: <paramref name="headDim"/>, or the smallest supported size above it.</summary>
    /// <param name="headDim">The model's head size.</param>
    /// <exception cref="NotSupportedException">No supported head size is large enough.</exception>
    public static int DeviceHeadDim(int headDim)
    {
        foreach (int supported in AttentionShape.SupportedHeadDims.Order())
            if (supported >= headDim) return supported;
        throw new NotSupportedException($"head_dim {headDim} is larger than any head size the attention kernels support ({string.Join(", ", AttentionShape.SupportedHeadDims)}).");
    }

    /// <summary>
    /// Spreads the rows of a <c>[heads·headDim, k]</c> projection (Wq, Wk, Wv) into
    /// <c>[heads·deviceHeadDim, k]</c>, zero rows after each head's, multiplied by <paramref name="scale"/>.
    /// </summary>
    /// <param name="weights">Row-major weights.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="headDim">True head size.</param>
    /// <param name="deviceHeadDim">Padded head size.</param>
    /// <param name="k">Columns.</param>
    /// <param name="scale">Factor for every weight (√(padded/true) for Wq, 1 otherwise).</param>
    public static float[] PadRows(ReadOnlySpan<float> weights, int heads, int headDim, int deviceHeadDim, int k, float scale = 1f)
    {
        var result = new float[(long)heads * deviceHeadDim * k];
        for (int h = 0; h < heads; h++)
            for (int r = 0; r < headDim; r++)
            {
                var source = weights.Slice((h * headDim + r) * k, k);
                var destination = result.AsSpan((h * deviceHeadDim + r) * k, k);
                for (int c = 0; c < k; c++) destination[c] = source[c] * scale;
            }
        return result;
    }

    /// <summary>Spreads the columns of a <c>[n, heads·headDim]</c> projection (Wo) into <c>[n, heads·deviceHeadDim]</c>, zero columns after each head's.</summary>
    /// <param name="weights">Row-major weights.</param>
    /// <param name="n">Rows.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="headDim">True head size.</param>
    /// <param name="deviceHeadDim">Padded head size.</param>
    public static float[] PadColumns(ReadOnlySpan<float> weights, int n, int heads, int headDim, int deviceHeadDim)
    {
        var result = new float[(long)n * heads * deviceHeadDim];
        for (int row = 0; row < n; row++)
            for (int h = 0; h < heads; h++)
                weights.Slice(row * heads * headDim + h * headDim, headDim)
                    .CopyTo(result.AsSpan(row * heads * deviceHeadDim + h * deviceHeadDim, headDim));
        return result;
    }

    /// <summary>The RoPE base that gives a padded head the true head's angles: <c>θ^(padded/true)</c>.</summary>
    /// <param name="theta">The model's base.</param>
    /// <param name="headDim">True head size.</param>
    /// <param name="deviceHeadDim">Padded head size.</param>
    public static float RopeTheta(double theta, int headDim, int deviceHeadDim) =>
        (float)Math.Pow(theta, (double)deviceHeadDim / headDim);
}
