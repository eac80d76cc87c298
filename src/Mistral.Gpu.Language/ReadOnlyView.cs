using System.Runtime.CompilerServices;

namespace Mistral.Gpu.Language;

/// <summary>
/// A read-only window of device global memory. Translated to a <c>const</c> restrict pointer, which
/// lets CUDA use the read-only data cache; it must not alias a <see cref="View{T}"/> written by the
/// same launch.
/// </summary>
/// <typeparam name="T">An unmanaged element type.</typeparam>
public readonly unsafe struct ReadOnlyView<T> where T : unmanaged
{
    private readonly T* pointer;

    /// <summary>Wraps <paramref name="length"/> elements at <paramref name="pointer"/> (CPU backend).</summary>
    public ReadOnlyView(T* pointer, int length)
    {
        this.pointer = pointer;
        Length = length;
    }

    /// <summary>Number of elements in the view.</summary>
    public int Length { get; }

    /// <summary>Number of elements as an int (ILGPU's <c>ArrayView.IntLength</c>, for the CPU copies of ILGPU kernels).</summary>
    public int IntLength => Length;

    /// <summary>The element at <paramref name="index"/>.</summary>
    public T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Length) ViewBounds.Throw(index, Length);
            return pointer[index];
        }
    }

    /// <summary>The element at <paramref name="index"/>.</summary>
    public T this[uint index] => this[(int)Math.Min(index, int.MaxValue)];

    internal T* Pointer => pointer;

    /// <summary>The elements as a span (CPU group bodies, <see cref="CpuGroupBodyAttribute"/>).</summary>
    public ReadOnlySpan<T> AsSpan() => new(pointer, Length);
}
