// KMath.Dp4a and KMath.Dot4 elementwise, for the parity table: each backend's form of the four-byte dot product
// (PTX dp4a, the translator's inline dp4a, OpenCL C's byte products, the C# bodies) against one scalar reference.
using ILGPU;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

/// <summary>The four-byte dot products on their own, for the parity table.</summary>
public static partial class ByteDotProbe
{
    /// <summary>Lanes per group.</summary>
    public const int Lanes = 64;

    /// <summary><c>signed[i] = Dp4a(a[i], b[i], c[i])</c> and <c>mixed[i] = Dot4((uint)a[i], (uint)b[i], c[i])</c>.</summary>
    [Kernel]
    static void Dot(ArrayView<int> a, ArrayView<int> b, ArrayView<int> c, ArrayView<int> signed, ArrayView<int> mixed, int count)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= count) return;
        signed[i] = KMath.Dp4a(a[i], b[i], c[i]);
        mixed[i] = KMath.Dot4((uint)a[i], (uint)b[i], c[i]);
    }
}
