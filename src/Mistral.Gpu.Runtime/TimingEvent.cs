namespace Mistral.Gpu.Runtime;

/// <summary>A point in a stream's timeline, timed by the device (CUDA events, OpenCL profiling, a stopwatch on the CPU).</summary>
public abstract class TimingEvent : IDisposable
{
    /// <summary>Milliseconds of device time from <paramref name="start"/> to this event (waits for both).</summary>
    public abstract double MillisecondsSince(TimingEvent start);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the event.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
