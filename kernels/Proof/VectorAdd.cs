// VectorAdd: c[i] = a[i] + b[i] for i < n.
//
// The smallest end-to-end kernel: one lane per element, no cooperation between lanes, so it is
// purely memory bound (12 bytes moved per flop) and proves the launcher, the ABI and the CPU path.
// The bounds check makes any group size work for any n.
using ILGPU;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels.Proof;

/// <summary>Small kernels that prove the generator end to end (one translation feature each).</summary>
public static partial class ProofKernels
{
    /// <summary>Element-wise sum <c>c = a + b</c> over the first <paramref name="n"/> elements.</summary>
    /// <param name="a">First addend.</param>
    /// <param name="b">Second addend.</param>
    /// <param name="c">The sum.</param>
    /// <param name="n">Number of elements.</param>
    [Kernel]
    public static void VectorAdd([Extent("n")] ArrayView<float> a, [Extent("n")] ArrayView<float> b, [Extent("n")] ArrayView<float> c, int n)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n) c[i] = a[i] + b[i];
    }
}
