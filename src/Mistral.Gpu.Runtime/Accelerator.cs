using System.Collections.Concurrent;

namespace Mistral.Gpu.Runtime;

/// <summary>
/// A device that runs kernels: it owns buffers, queues launches and copies on streams, and caches
/// compiled kernels. Disposing it frees every buffer still alive. Not thread-safe: one host thread
/// drives an accelerator at a time.
/// </summary>
public abstract class Accelerator : IDisposable
{
    private readonly ConcurrentDictionary<DeviceBuffer, byte> liveBuffers = new(ReferenceEqualityComparer.Instance);
    private long liveBytes;

    /// <summary>What the device is.</summary>
    public abstract AcceleratorInfo Info { get; }

    /// <summary>The stream launches and copies use when none is given.</summary>
    public abstract AcceleratorStream DefaultStream { get; }

    /// <summary>Bytes held by live buffers this accelerator owns.</summary>
    public long AllocatedBytes => Interlocked.Read(ref liveBytes);

    /// <summary>Number of live buffers (owned and lent).</summary>
    public int LiveBufferCount => liveBuffers.Count;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Allocates <paramref name="length"/> elements, zero-filled.</summary>
    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        long bytes;
        unsafe { bytes = checked(length * sizeof(T)); }
        var buffer = new DeviceBuffer<T>(this, AllocateCore(bytes), length, ownsStorage: true);
        Track(buffer);
        return buffer;
    }

    /// <summary>Allocates a buffer holding a copy of <paramref name="data"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var buffer = Allocate<T>(data.Length);
        buffer.CopyFrom(data);
        return buffer;
    }

    /// <summary>Creates a stream for work that may overlap the default stream's.</summary>
    public abstract AcceleratorStream CreateStream();

    /// <summary>Blocks until all queued work on every stream has finished.</summary>
    public virtual void Synchronize() => DefaultStream.Synchronize();

    /// <summary>
    /// Launches <paramref name="kernel"/> after checking, on the host, every argument against its
    /// parameter: count, null buffers, element and scalar types, owning accelerator, specialization
    /// values, extents, and the launch shape. Bad input throws <see cref="ArgumentException"/>
    /// naming the parameter; nothing runs.
    /// </summary>
    public void Launch(KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments, AcceleratorStream? stream = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentNullException.ThrowIfNull(kernel);
        LaunchValidation.Check(this, kernel, dims, arguments);
        LaunchCore(kernel, dims, arguments, stream ?? DefaultStream);
        LaunchCount++;
    }

    /// <summary>Kernel launches made through <see cref="Launch"/> so far (the bench counts launches per decode token with it).</summary>
    public long LaunchCount { get; private set; }

    /// <summary>Compiles (or finds in the cache) the variant of <paramref name="kernel"/> for the given specialization values.</summary>
    /// <exception cref="KernelCompilationException">The backend's compiler failed; its log is attached.</exception>
    public abstract void Compile(KernelDefinition kernel, IReadOnlyList<int> specializationValues);

    /// <summary>Runs a validated launch.</summary>
    protected abstract void LaunchCore(KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments, AcceleratorStream stream);

    /// <summary>Allocates <paramref name="bytes"/> zero-filled bytes of device memory.</summary>
    protected abstract BufferStorage AllocateCore(long bytes);

    /// <summary>Copies host bytes to a buffer at a byte offset (blocking).</summary>
    protected internal abstract void CopyToDevice(DeviceBuffer destination, long byteOffset, ReadOnlySpan<byte> source);

    /// <summary>Copies buffer bytes from a byte offset to the host (blocking, after queued work).</summary>
    protected internal abstract void CopyToHost(DeviceBuffer source, long byteOffset, Span<byte> destination);

    /// <summary>Wraps memory the caller owns (a device pointer or cl_mem) without copying; it is never freed by us.</summary>
    protected DeviceBuffer<T> WrapForeign<T>(BufferStorage storage, long length) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var buffer = new DeviceBuffer<T>(this, storage, length, ownsStorage: false);
        liveBuffers[buffer] = 0;
        return buffer;
    }

    private void Track(DeviceBuffer buffer)
    {
        liveBuffers[buffer] = 0;
        Interlocked.Add(ref liveBytes, buffer.SizeInBytes);
    }

    internal void Forget(DeviceBuffer buffer)
    {
        if (liveBuffers.TryRemove(buffer, out _) && buffer.OwnsMemoryForAccounting)
            Interlocked.Add(ref liveBytes, -buffer.SizeInBytes);
    }

    /// <summary>Frees every live buffer, then the device context.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        foreach (var buffer in liveBuffers.Keys.ToList()) buffer.Dispose();
        IsDisposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases backend resources (called after all buffers are freed).</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <inheritdoc />
    public override string ToString() => $"{Info.Backend}: {Info.Name}";
}
