using System.Runtime.CompilerServices;

namespace Mistral.Gpu.Language;

/// <summary>
/// 128-bit loads and stores. The index counts vectors, not elements: vector <c>v</c> covers
/// elements <c>4v .. 4v+3</c>, and the view's start must be 16-byte aligned on a GPU.
/// </summary>
public static unsafe class VectorMemory
{
    /// <summary>Loads elements <c>4v..4v+3</c>.</summary>
    public static Float4 LoadFloat4(this ReadOnlyView<float> view, int v)
    {
        Check(v, view.Length);
        return Unsafe.ReadUnaligned<Float4>(view.Pointer + 4 * (long)v);
    }

    /// <summary>Loads elements <c>4v..4v+3</c>.</summary>
    public static Float4 LoadFloat4(this View<float> view, int v) => LoadFloat4((ReadOnlyView<float>)view, v);

    /// <summary>Loads words <c>4v..4v+3</c>.</summary>
    public static UInt4 LoadUInt4(this ReadOnlyView<uint> view, int v)
    {
        Check(v, view.Length);
        return Unsafe.ReadUnaligned<UInt4>(view.Pointer + 4 * (long)v);
    }

    /// <summary>Loads words <c>4v..4v+3</c>.</summary>
    public static UInt4 LoadUInt4(this View<uint> view, int v) => LoadUInt4((ReadOnlyView<uint>)view, v);

    /// <summary>Stores elements <c>4v..4v+3</c>.</summary>
    public static void StoreFloat4(this View<float> view, int v, Float4 value)
    {
        Check(v, view.Length);
        Unsafe.WriteUnaligned(view.Pointer + 4 * (long)v, value);
    }

    /// <summary>Stores words <c>4v..4v+3</c>.</summary>
    public static void StoreUInt4(this View<uint> view, int v, UInt4 value)
    {
        Check(v, view.Length);
        Unsafe.WriteUnaligned(view.Pointer + 4 * (long)v, value);
    }

    /// <summary>Loads words <c>4v..4v+3</c> of group memory (the CPU copies of ILGPU kernels that load shared vectors).</summary>
    public static UInt4 LoadUInt4(this SharedView<uint> view, int v)
    {
        Check(v, view.Length);
        return Unsafe.ReadUnaligned<UInt4>(view.Pointer + 4 * (long)v);
    }

    /// <summary>Stores words <c>4v..4v+3</c> of group memory.</summary>
    public static void StoreUInt4(this SharedView<uint> view, int v, UInt4 value)
    {
        Check(v, view.Length);
        Unsafe.WriteUnaligned(view.Pointer + 4 * (long)v, value);
    }

    /// <summary>Four floats at <c>4 * v</c> of an ILGPU view: one 128-bit load (<c>ld.global.v4</c> at O2) in ILGPU's PTX and in the translation.</summary>
    /// <param name="view">The view; 16-byte aligned at <c>4 * v</c> on devices that need it.</param>
    /// <param name="v">Index in units of four floats.</param>
    /// <returns>Elements <c>4v .. 4v+3</c>.</returns>
    public static Float4 LoadFloat4(this ILGPU.ArrayView<float> view, int v) => view.Cast<Float4>()[v];

    /// <summary>Four uints at <c>4 * v</c> of an ILGPU view, one 128-bit load.</summary>
    /// <param name="view">The view.</param>
    /// <param name="v">Index in units of four uints.</param>
    /// <returns>Elements <c>4v .. 4v+3</c>.</returns>
    public static UInt4 LoadUInt4(this ILGPU.ArrayView<uint> view, int v) => view.Cast<UInt4>()[v];

    /// <summary>Stores four floats at <c>4 * v</c> of an ILGPU view, one 128-bit store.</summary>
    /// <param name="view">The view.</param>
    /// <param name="v">Index in units of four floats.</param>
    /// <param name="value">The elements.</param>
    public static void StoreFloat4(this ILGPU.ArrayView<float> view, int v, Float4 value) => view.Cast<Float4>()[v] = value;

    /// <summary>Stores four uints at <c>4 * v</c> of an ILGPU view, one 128-bit store.</summary>
    /// <param name="view">The view.</param>
    /// <param name="v">Index in units of four uints.</param>
    /// <param name="value">The elements.</param>
    public static void StoreUInt4(this ILGPU.ArrayView<uint> view, int v, UInt4 value) => view.Cast<UInt4>()[v] = value;

    private static void Check(int v, int length)
    {
        if (v < 0 || 4L * v + 4 > length) ViewBounds.Throw(4L * v, length);
    }
}
