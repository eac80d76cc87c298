namespace Mistral.Gpu.Kernels;

/// <summary>RMSNorm on the host, in double: y = h / sqrt(mean(h^2) + eps) * w.</summary>
internal static class RmsNormReference
{
    public static double[] Compute(float[] h, float[] weight, int rows, int dim, float eps)
    {
        var y = new double[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int i = 0; i < dim; i++) sum += (double)h[r * dim + i] * h[r * dim + i];
            double scale = 1.0 / Math.Sqrt(sum / dim + eps);
            for (int i = 0; i < dim; i++) y[r * dim + i] = h[r * dim + i] * scale * weight[i];
        }
        return y;
    }
}
