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

    private static void Check(int v, int length)
    {
        if (v < 0 || 4L * v + 4 > length) ViewBounds.Throw(4L * v, length);
    }
}
