namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>A CUDA stream: ours (destroyed on dispose) or one a host lent us (never destroyed).</summary>
internal sealed unsafe class CudaStream(CudaAccelerator owner, CudaStreamHandle stream) : AcceleratorStream
{
    /// <summary>The accelerator whose context the stream belongs to.</summary>
    public CudaAccelerator Owner { get; } = owner;

    /// <summary>The CUstream.</summary>
    public override nint NativeHandle => stream.Value;

    public bool IsDisposed => stream.IsClosed;

    public override void Synchronize()
    {
        Owner.MakeCurrent();
        CudaErrors.Check(CuApi.cuStreamSynchronize(stream.Value), "cuStreamSynchronize");
    }

    public override TimingEvent Record()
    {
        Owner.MakeCurrent();
        nint evt;
        CudaErrors.Check(CuApi.cuEventCreate(&evt, CuConstants.EventDefault), "cuEventCreate");
        var handle = new CudaEventHandle(evt, Owner.Context);
        try
        {
            CudaErrors.Check(CuApi.cuEventRecord(evt, stream.Value), "cuEventRecord");
            return new CudaTimingEvent(Owner, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    protected override void Dispose(bool disposing) => stream.Dispose();
}
