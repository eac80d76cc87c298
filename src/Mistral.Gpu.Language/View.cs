using System.Runtime.CompilerServices;

namespace Mistral.Gpu.Language;

/// <summary>
/// A writable window of device global memory holding <typeparamref name="T"/> elements. In CUDA C
/// it is a pointer, in OpenCL C a <c>__global</c> pointer. On the CPU backend every access is
/// bounds-checked, so an out-of-range index fails there before it corrupts a GPU.
/// </summary>
/// <typeparam name="T">An unmanaged element type.</typeparam>
public readonly unsafe struct View<T> where T : unmanaged
{
    private readonly T* pointer;

    /// <summary>Wraps <paramref name="length"/> elements at <paramref name="pointer"/> (CPU backend).</summary>
    public View(T* pointer, int length)
    {
        this.pointer = pointer;
        Length = length;
    }

    /// <summary>Number of elements in the view.</summary>
    public int Length { get; }

    /// <summary>Number of elements as an int (ILGPU's <c>ArrayView.IntLength</c>, for the CPU copies of ILGPU kernels).</summary>
    public int IntLength => Length;

    /// <summary>The element at <paramref name="index"/>.</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Length) ViewBounds.Throw(index, Length);
            return ref pointer[index];
        }
    }

    /// <summary>The element at <paramref name="index"/>.</summary>
    public ref T this[uint index] => ref this[(int)Math.Min(index, int.MaxValue)];

    /// <summary>The first element's address (CPU backend, vector loads).</summary>
    internal T* Pointer => pointer;

    /// <summary>The elements as a span (CPU group bodies, <see cref="CpuGroupBodyAttribute"/>).</summary>
    public Span<T> AsSpan() => new(pointer, Length);

    /// <summary>A read-only view of the same memory.</summary>
    public static implicit operator ReadOnlyView<T>(View<T> view) => new(view.pointer, view.Length);
}
