// Saxpy: result[i] = a * x[i] + y[i] for i < n.
//
// An ILGPU kernel: one lane per element with a bounds check, so any group size covers any n. The generator
// turns this method into CUDA C, OpenCL C and a CPU copy, plus SaxpyKernels.SaxpyKernel.Launch; ILGPU compiles
// the same method for its own accelerators.
using ILGPU;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Samples.CustomKernel;

/// <summary>The sample's kernels.</summary>
public static partial class SaxpyKernels
{
    /// <summary>Scaled vector add: <c>result = a * x + y</c> over the first <paramref name="n"/> elements.</summary>
    [Kernel]
    public static void Saxpy(float a, [Extent("n")] ArrayView<float> x, [Extent("n")] ArrayView<float> y, [Extent("n")] ArrayView<float> result, int n)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n) result[i] = a * x[i] + y[i];
    }
}
