using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

public static partial class MistralKernels
{
    /// <summary>
    /// RMSNorm of each of <paramref name="rows"/> rows of <paramref name="x"/> <c>[rows, dim]</c>:
    /// <c>output = x / sqrt(mean(x^2) + eps) * weight</c>, fp32 accumulation. <paramref name="output"/> may be <paramref name="x"/>.
    /// </summary>
    /// <exception cref="ArgumentException">rows or dim is not positive, eps is negative or not finite, or a buffer is too short.</exception>
    public static void RmsNorm(Accelerator accelerator, BufferView<float> x, BufferView<float> weight, BufferView<float> output,
        int rows, int dim, float eps, AcceleratorStream? stream = null) =>
        RmsNormF32(accelerator, x, x, weight, output, rows, dim, eps, fuse: false, stream);

    /// <summary>
    /// The residual add fused with the RMSNorm that follows it: <c>residual += delta</c> (written back), then
    /// <c>output = residual / sqrt(mean(residual^2) + eps) * weight</c>, row by row over <c>[rows, dim]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">rows or dim is not positive, eps is negative or not finite, or a buffer is too short.</exception>
    public static void RmsNormResidual(Accelerator accelerator, BufferView<float> residual, BufferView<float> delta, BufferView<float> weight,
        BufferView<float> output, int rows, int dim, float eps, AcceleratorStream? stream = null) =>
        RmsNormF32(accelerator, residual, delta, weight, output, rows, dim, eps, fuse: true, stream);

    /// <summary>RMSNorm over fp16 rows (fp32 weight and accumulation; output rounded to fp16, nearest even).</summary>
    /// <exception cref="ArgumentException">rows or dim is not positive, eps is negative or not finite, or a buffer is too short.</exception>
    public static void RmsNorm(Accelerator accelerator, BufferView<Half> x, BufferView<float> weight, BufferView<Half> output,
        int rows, int dim, float eps, AcceleratorStream? stream = null)
    {
        var dims = CheckNorm(accelerator, x, nameof(x), x, nameof(x), weight, output, rows, dim, eps, vectorWidth: 1);
        long n = (long)rows * dim;
        RmsNormKernels.RmsNormF16Kernel.Launch(accelerator, dims, LaunchShapes.Take(x, n), LaunchShapes.Take(x, n),
            LaunchShapes.Take(weight, dim), LaunchShapes.Take(output, n), dim, eps, 0, stream);
    }

    /// <summary>
    /// Fused residual add and RMSNorm over an fp16 residual stream: <c>residual += delta</c> rounded to fp16 and
    /// written back, then the stored value is normalised (fp32 accumulation, fp16 output).
    /// </summary>
    /// <exception cref="ArgumentException">rows or dim is not positive, eps is negative or not finite, or a buffer is too short.</exception>
    public static void RmsNormResidual(Accelerator accelerator, BufferView<Half> residual, BufferView<Half> delta, BufferView<float> weight,
        BufferView<Half> output, int rows, int dim, float eps, AcceleratorStream? stream = null)
    {
        var dims = CheckNorm(accelerator, residual, nameof(residual), delta, nameof(delta), weight, output, rows, dim, eps, vectorWidth: 1);
        long n = (long)rows * dim;
        RmsNormKernels.RmsNormF16Kernel.Launch(accelerator, dims, LaunchShapes.Take(residual, n), LaunchShapes.Take(delta, n),
            LaunchShapes.Take(weight, dim), LaunchShapes.Take(output, n), dim, eps, 1, stream);
    }

    /// <summary>RMSNorm over bf16 rows (fp32 weight and accumulation; output rounded to bf16, nearest even).</summary>
    /// <exception cref="ArgumentException">rows or dim is not positive, eps is negative or not finite, or a buffer is too short.</exception>
    public static void RmsNorm(Accelerator accelerator, BufferView<BFloat16> x, BufferView<float> weight, BufferView<BFloat16> output,
        int rows, int dim, float eps, AcceleratorStream? stream = null)
    {
        var dims = CheckNorm(accelerator, x, nameof(x), x, nameof(x), weight, output, rows, dim, eps, vectorWidth: 1);
        long n = (long)rows * dim;
        RmsNormKernels.RmsNormBf16Kernel.Launch(accelerator, dims, LaunchShapes.Take(x, n), LaunchShapes.Take(x, n),
            LaunchShapes.Take(weight, dim), LaunchShapes.Take(output, n), dim, eps, 0, stream);
    }

    /// <summary>Fused residual add and RMSNorm over a bf16 residual stream (see the fp16 overload).</summary>
    /// <exception cref="ArgumentException">rows or dim is not positive, eps is negative or not finite, or a buffer is too short.</exception>
    public static void RmsNormResidual(Accelerator accelerator, BufferView<BFloat16> residual, BufferView<BFloat16> delta, BufferView<float> weight,
        BufferView<BFloat16> output, int rows, int dim, float eps, AcceleratorStream? stream = null)
    {
        var dims = CheckNorm(accelerator, residual, nameof(residual), delta, nameof(delta), weight, output, rows, dim, eps, vectorWidth: 1);
        long n = (long)rows * dim;
        RmsNormKernels.RmsNormBf16Kernel.Launch(accelerator, dims, LaunchShapes.Take(residual, n), LaunchShapes.Take(delta, n),
            LaunchShapes.Take(weight, dim), LaunchShapes.Take(output, n), dim, eps, 1, stream);
    }

    private static void RmsNormF32(Accelerator accelerator, BufferView<float> x, BufferView<float> delta, BufferView<float> weight,
        BufferView<float> output, int rows, int dim, float eps, bool fuse, AcceleratorStream? stream)
    {
        bool aligned = dim % 4 == 0 && LaunchShapes.Aligned4(x) && LaunchShapes.Aligned4(delta) && LaunchShapes.Aligned4(weight) && LaunchShapes.Aligned4(output);
        int width = aligned ? 4 : 1;
        string xName = fuse ? "residual" : nameof(x);
        var dims = CheckNorm(accelerator, x, xName, delta, fuse ? nameof(delta) : xName, weight, output, rows, dim, eps, width);
        long n = (long)rows * dim;
        RmsNormKernels.RmsNormF32Kernel.Launch(accelerator, dims, LaunchShapes.Take(x, n), LaunchShapes.Take(delta, n),
            LaunchShapes.Take(weight, dim), LaunchShapes.Take(output, n), dim, eps, fuse ? 1 : 0, width, stream);
    }

    private static LaunchDims CheckNorm<T>(Accelerator accelerator, BufferView<T> x, string xName, BufferView<T> delta, string deltaName,
        BufferView<float> weight, BufferView<T> output, int rows, int dim, float eps, int vectorWidth) where T : unmanaged
    {
        LaunchShapes.NotNull(accelerator);
        LaunchShapes.Positive(rows, nameof(rows));
        LaunchShapes.Positive(dim, nameof(dim));
        if (!float.IsFinite(eps) || eps < 0) throw new ArgumentException($"eps must be finite and non-negative, got {eps}.", nameof(eps));
        long n = (long)rows * dim;
        LaunchShapes.FitsInt(n, nameof(rows));
        LaunchShapes.Holds(x, n, xName);
        LaunchShapes.Holds(delta, n, deltaName);
        LaunchShapes.Holds(weight, dim, nameof(weight));
        LaunchShapes.Holds(output, n, nameof(output));
        return new LaunchDims(new Dim3(rows), new Dim3(NormGroupLanes(accelerator, dim, vectorWidth)));
    }

    /// <summary>
    /// Lanes per row: on a GPU enough warps that each lane touches about four vectors (up to 256 lanes, so a
    /// 4096-wide row is 4 x 128-bit loads per lane); on CPU-like devices one warp, since lanes there are a loop.
    /// </summary>
    private static int NormGroupLanes(Accelerator accelerator, int dim, int vectorWidth)
    {
        if (LaunchShapes.IsCpuLike(accelerator)) return 32;
        int items = (dim + vectorWidth - 1) / vectorWidth;
        int lanes = LaunchShapes.RoundUp((items + 3) / 4, 32);
        return Math.Clamp(lanes, 32, Math.Min(256, accelerator.Info.MaxGroupSize / 32 * 32));
    }
}
