using ILGPU;
using ILGPU.Runtime;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>
/// The bytes behind a buffer on an ILGPU accelerator, as one raw <see cref="ArrayView{T}"/> of bytes that launches cast to
/// each kernel parameter's element type. Owns the ILGPU <see cref="MemoryBuffer"/> it allocated; a host's view is only
/// borrowed and never freed.
/// </summary>
internal sealed class IlgpuMemory : BufferStorage
{
    private readonly MemoryBuffer? owned;

    private IlgpuMemory(ArrayView<byte> raw, MemoryBuffer? owned)
        : base(HandleOf(raw), ownsHandle: owned is not null)
    {
        Raw = raw;
        this.owned = owned;
    }

    /// <summary>The whole storage as bytes.</summary>
    public ArrayView<byte> Raw { get; }

    /// <summary>Allocates <paramref name="bytes"/> zeroed bytes on <paramref name="device"/>.</summary>
    public static IlgpuMemory Allocate(ILGPU.Runtime.Accelerator device, long bytes)
    {
        var buffer = device.Allocate1D<byte>(bytes);
        buffer.MemSetToZero();
        return new IlgpuMemory(buffer.View, buffer);
    }

    /// <summary>Borrows a host's view (no copy, never freed by us).</summary>
    public static IlgpuMemory Borrow<T>(ArrayView<T> view) where T : unmanaged => new(view.Cast<byte>(), owned: null);

    /// <summary>
    /// The native address of the first byte (CPU and CUDA); on OpenCL the cl_mem, which has no address arithmetic, so a
    /// borrowed window there reports its buffer's handle.
    /// </summary>
    private static nint HandleOf(ArrayView<byte> raw)
    {
        IContiguousArrayView view = raw;
        var buffer = view.Buffer;
        return buffer.AcceleratorType == AcceleratorType.OpenCL ? buffer.NativePtr : buffer.NativePtr + (nint)view.IndexInBytes;
    }

    protected override bool ReleaseHandle()
    {
        owned?.Dispose();
        return true;
    }
}
