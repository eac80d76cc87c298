namespace Mistral.Gpu.Runtime;

/// <summary>An ordered queue of device work (CUDA stream, OpenCL command queue).</summary>
public abstract class AcceleratorStream : IDisposable
{
    /// <summary>The native handle (CUstream / cl_command_queue; 0 on the CPU).</summary>
    public abstract nint NativeHandle { get; }

    /// <summary>Blocks until all work queued so far has finished.</summary>
    public abstract void Synchronize();

    /// <summary>Records a timing event after the work queued so far.</summary>
    public abstract TimingEvent Record();

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the stream if owned.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
