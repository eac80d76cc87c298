using System.Runtime.CompilerServices;

namespace Mistral.Gpu.Language;

/// <summary>
/// Group-shared memory (CUDA <c>__shared__</c>, OpenCL <c>__local</c>) from
/// <see cref="Shared.Allocate{T}(int)"/>. Visible to every lane of the group; synchronise writes
/// and reads with <see cref="Group.Barrier"/>.
/// </summary>
/// <typeparam name="T">An unmanaged element type.</typeparam>
public readonly unsafe struct SharedView<T> where T : unmanaged
{
    private readonly T* pointer;

    internal SharedView(T* pointer, int length)
    {
        this.pointer = pointer;
        Length = length;
    }

    /// <summary>Number of elements.</summary>
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

    internal T* Pointer => pointer;

    /// <summary>
    /// A read-only view of the same group memory, so one <see cref="KernelHelperAttribute">[KernelHelper]</see> with a
    /// <see cref="ReadOnlyView{T}"/> parameter reads shared and global memory alike (the generator emits a copy of the
    /// helper per address space where the dialect needs one, as OpenCL does).
    /// </summary>
    public static implicit operator ReadOnlyView<T>(SharedView<T> view) => new(view.pointer, view.Length);

    /// <summary>
    /// A writable view of the same group memory, for the CPU copies of ILGPU kernels' helpers: ILGPU has one view type
    /// for global and group memory, so a helper that writes its view parameter takes either.
    /// </summary>
    public static implicit operator View<T>(SharedView<T> view) => new(view.pointer, view.Length);
}
