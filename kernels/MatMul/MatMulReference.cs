using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// y[t, n] = sum_k x[t, k] W[n, k] on the host in double, with sum_k |x w|, the scale every matmul tolerance is
/// relative to (a sum of K products rounds relative to its terms' magnitude, not to its own value).
/// </summary>
internal static class MatMulReference
{
    public static (double[] Y, double[] Magnitude) Compute(float[] w, float[] x, int n, int k, int tokens)
    {
        var y = new double[tokens * n];
        var magnitude = new double[tokens * n];
        for (int t = 0; t < tokens; t++)
            for (int row = 0; row < n; row++)
            {
                double sum = 0, abs = 0;
                for (int i = 0; i < k; i++)
                {
                    double p = (double)x[t * k + i] * w[(long)row * k + i];
                    sum += p;
                    abs += Math.Abs(p);
                }
                y[t * n + row] = sum;
                magnitude[t * n + row] = abs;
            }
        return (y, magnitude);
    }

    /// <summary>
    /// One 16 x 8 x 16 tile, <c>D = A · B + C</c>, from whole matrices (no fragments): A fp16 bits [16][16] row-major, B fp16
    /// bits [8][16] column-major (column j's k = 0..15), C [16][8]; each product of halves exact in fp32, summed in fp32 in k
    /// order onto C: what every <c>Mma.M16N8K16</c> fallback computes, bit for bit. Also |C| + sum_k |A B| per element.
    /// </summary>
    public static (float[] D, double[] Magnitude) MmaTile(ReadOnlySpan<ushort> a, ReadOnlySpan<ushort> b, ReadOnlySpan<float> c)
    {
        var d = new float[16 * 8];
        var magnitude = new double[16 * 8];
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 8; j++)
            {
                float sum = c[i * 8 + j];
                double abs = Math.Abs(sum);
                for (int kk = 0; kk < 16; kk++)
                {
                    float p = (float)BitConverter.UInt16BitsToHalf(a[i * 16 + kk]) * (float)BitConverter.UInt16BitsToHalf(b[j * 16 + kk]);
                    sum += p;
                    abs += Math.Abs(p);
                }
                d[i * 8 + j] = sum;
                magnitude[i * 8 + j] = abs;
            }
        return (d, magnitude);
    }

    /// <summary>
    /// fp32 accumulation of K products: each addition rounds by at most 2^-24 of the running magnitude, and with
    /// reduction trees of depth ~log2(K) plus sequential chunks the error stays far below 1e-5·sum|x w| (the
    /// worst-case bound K·2^-24 is 2.4e-4 at K = 4096, never approached by random data). An indexing or layout error
    /// moves results by O(sum|x w| / sqrt(K)) or more, far outside.
    /// </summary>
    public static double[] Bounds(double[] magnitude) => Array.ConvertAll(magnitude, m => 1e-5 * m + 1e-6);

    /// <summary>
    /// GEMV against the GEMM's row for the same token: the same kernel over the same products, only the token tiling
    /// differs, so 1e-6·sum|x w| (ten times tighter than against the reference).
    /// </summary>
    public static void CheckGemvRows(Accelerator accelerator, ParityCheck check, Action<BufferView<float>, BufferView<float>> gemv,
        DeviceBuffer<float> x, float[] gemm, double[] magnitude, int n, int k, int tokens)
    {
        using var one = accelerator.Allocate<float>(n);
        for (int t = 0; t < tokens; t++)
        {
            gemv(x.Slice((long)t * k, k), one);
            double[] row = ParityData.Widen(gemm.AsSpan(t * n, n));
            double[] bounds = [.. magnitude.AsSpan(t * n, n).ToArray().Select(m => 1e-6 * m + 1e-7)];
            check.Within(row, bounds, one.ToArray(), $"GEMV of token {t} vs the GEMM's row");
        }
    }
}
