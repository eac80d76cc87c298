using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime;

/// <summary>Typed device memory.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class DeviceBuffer<T> : DeviceBuffer where T : unmanaged
{
    internal unsafe DeviceBuffer(Accelerator accelerator, BufferStorage storage, long length, bool ownsStorage)
        : base(accelerator, storage, typeof(T), sizeof(T), length) => OwnsStorage = ownsStorage;

    /// <summary>Copies <paramref name="source"/> into the buffer from element <paramref name="offset"/>.</summary>
    public void CopyFrom(ReadOnlySpan<T> source, long offset = 0)
    {
        CheckRange(offset, source.Length);
        Accelerator.CopyToDevice(this, offset * ElementSize, MemoryMarshal.AsBytes(source));
    }

    /// <summary>Copies elements from <paramref name="offset"/> into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<T> destination, long offset = 0)
    {
        CheckRange(offset, destination.Length);
        Accelerator.CopyToHost(this, offset * ElementSize, MemoryMarshal.AsBytes(destination));
    }

    /// <summary>The whole buffer as a new array.</summary>
    public T[] ToArray()
    {
        var result = new T[checked((int)Length)];
        CopyTo(result);
        return result;
    }

    /// <summary>A window of the buffer.</summary>
    public BufferView<T> Slice(long offset, long length) => new(this, offset, length);

    private void CheckRange(long offset, long count)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (offset < 0 || count < 0 || offset + count > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Range [{offset}, {offset + count}) lies outside a buffer of {Length} elements.");
    }
}
