namespace Mistral.Gpu.Runtime;

/// <summary>Device memory owned by (or lent to) an <see cref="Accelerator"/>; freed on dispose, or when the accelerator is disposed.</summary>
public abstract class DeviceBuffer : IDisposable
{
    private protected DeviceBuffer(Accelerator accelerator, BufferStorage storage, Type elementType, int elementSize, long length)
    {
        Accelerator = accelerator;
        Storage = storage;
        ElementType = elementType;
        ElementSize = elementSize;
        Length = length;
    }

    /// <summary>The accelerator the memory belongs to.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The native memory.</summary>
    public BufferStorage Storage { get; }

    /// <summary>The element type.</summary>
    public Type ElementType { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Size in bytes.</summary>
    public long SizeInBytes => Length * ElementSize;

    /// <summary>The native handle: a host pointer (CPU), a CUdeviceptr (CUDA) or a cl_mem (OpenCL).</summary>
    public nint NativeHandle
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return Storage.DangerousGetHandle();
        }
    }

    /// <summary>True once freed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>True when this buffer frees its memory (false for memory a host lent us).</summary>
    public bool OwnsMemory => !Storage.IsInvalid && OwnsStorage;

    private protected bool OwnsStorage { get; init; } = true;

    internal bool OwnsMemoryForAccounting => OwnsStorage;

    /// <summary>Frees the memory (a lent buffer is only forgotten).</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Storage.Dispose();
        Accelerator.Forget(this);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public override string ToString() => $"{ElementType.Name}[{Length}] on {Accelerator.Info.Name}";
}
