// SiluMultiply: y[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + e^-g).
//
// Shows [KernelHelper]s: Silu is a plain device function, GatedValue takes views (passed to C as
// pointer + length) and calls Silu. Both are translated once and inlined by the device compiler.
using ILGPU;
using ILGPU.Algorithms;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>The SiLU (swish) activation.</summary>
    /// <param name="g">The input.</param>
    /// <returns>g / (1 + e^-g).</returns>
    [KernelHelper]
    public static float Silu(float g) => g / (1f + XMath.Exp(-g));

    /// <summary>silu(gate[i]) * up[i].</summary>
    /// <param name="gate">Gate values.</param>
    /// <param name="up">Up values.</param>
    /// <param name="i">Element index.</param>
    /// <returns>The gated value.</returns>
    [KernelHelper]
    public static float GatedValue(ArrayView<float> gate, ArrayView<float> up, int i) => Silu(gate[i]) * up[i];

    /// <summary>SwiGLU's elementwise step, through helpers.</summary>
    /// <param name="gate">Gate values.</param>
    /// <param name="up">Up values.</param>
    /// <param name="y">The product.</param>
    /// <param name="n">Number of elements.</param>
    [Kernel]
    public static void SiluMultiply([Extent("n")] ArrayView<float> gate, [Extent("n")] ArrayView<float> up, [Extent("n")] ArrayView<float> y, int n)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n) y[i] = GatedValue(gate, up, i);
    }
}
