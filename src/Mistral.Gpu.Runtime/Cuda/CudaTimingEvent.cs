namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>A CUDA event recorded on a stream; the driver measures the time between two of them.</summary>
internal sealed unsafe class CudaTimingEvent(CudaAccelerator owner, CudaEventHandle evt) : TimingEvent
{
    private CudaEventHandle Event { get; } = evt;

    public override double MillisecondsSince(TimingEvent start)
    {
        if (start is not CudaTimingEvent other)
            throw new ArgumentException("Both timing events must come from CUDA streams.", nameof(start));
        owner.MakeCurrent();
        CudaErrors.Check(CuApi.cuEventSynchronize(other.Event.Value), "cuEventSynchronize");
        CudaErrors.Check(CuApi.cuEventSynchronize(Event.Value), "cuEventSynchronize");
        float milliseconds;
        CudaErrors.Check(CuApi.cuEventElapsedTime(&milliseconds, other.Event.Value, Event.Value), "cuEventElapsedTime");
        return milliseconds;
    }

    protected override void Dispose(bool disposing) => Event.Dispose();
}
