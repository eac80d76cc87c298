// SwiGLU, the gate of Mistral's feed-forward block:
//     out = silu(g) * u = g / (1 + exp(-g)) * u
// One pass, one lane per 4 elements (128-bit loads and stores when count % 4 == 0 and the views are
// 16-byte aligned): 12 bytes in and 4 out per element, so it runs at DRAM bandwidth. exp(-g)
// overflowing to +inf for very negative g gives g / inf = -0, the right limit; no clamping needed.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

/// <summary>The SwiGLU elementwise kernel.</summary>
public static partial class SwiGluKernels
{
    /// <summary>Lanes per group.</summary>
    public const int GroupLanes = 256;

    [Kernel]
    static void SwiGlu([MayAlias] ArrayView<float> gate, ArrayView<float> up, ArrayView<float> output, int count, [Specialize(1, 4)] SpecializedValue<int> vectorWidth)
    {
        int i = Grid.GlobalIndex.X;
        if (vectorWidth == 4)
        {
            if (i < count / 4)
            {
                Float4 g = gate.LoadFloat4(i);
                Float4 u = up.LoadFloat4(i);
                output.StoreFloat4(i, new Float4(Silu(g.X) * u.X, Silu(g.Y) * u.Y, Silu(g.Z) * u.Z, Silu(g.W) * u.W));
            }
        }
        else
        {
            if (i < count) output[i] = Silu(gate[i]) * up[i];
        }
    }

    [KernelHelper]
    internal static float Silu(float g)
    {
        return g / (1f + XMath.Exp(-g));
    }
}
