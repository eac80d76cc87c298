// Saxpy: result[i] = a * x[i] + y[i] for i < n.
//
// One lane per element with a bounds check, so any group size covers any n. The generator turns
// this method into CUDA C, OpenCL C and a CPU variant, plus SaxpyKernels.SaxpyKernel.Launch.
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Samples.CustomKernel;

/// <summary>The sample's kernels.</summary>
public static partial class SaxpyKernels
{
    /// <summary>Scaled vector add: <c>result = a * x + y</c> over the first <paramref name="n"/> elements.</summary>
    [Kernel]
    public static void Saxpy(KernelContext ctx, float a, [Extent("n")] ReadOnlyView<float> x, [Extent("n")] ReadOnlyView<float> y, [Extent("n")] View<float> result, int n)
    {
        int i = ctx.GlobalId.X;
        if (i < n) result[i] = a * x[i] + y[i];
    }
}
