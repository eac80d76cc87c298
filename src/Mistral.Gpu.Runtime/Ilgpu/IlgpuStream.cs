using System.Diagnostics;
using ILGPU.Runtime;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>
/// An ILGPU stream. Timing uses ILGPU's profiling markers when the context was built with <c>.Profiling()</c> (ours are);
/// a host's context without it gets host time after a synchronize, which is what a marker would measure on the CPU anyway.
/// </summary>
internal sealed class IlgpuStream(ILGPU.Runtime.AcceleratorStream stream, bool ownsStream, Func<bool> profiling) : Mistral.Gpu.Runtime.AcceleratorStream
{
    /// <summary>The ILGPU stream launches and copies are queued on.</summary>
    public ILGPU.Runtime.AcceleratorStream Stream { get; } = stream;

    public override nint NativeHandle => Stream is ILGPU.Runtime.Cuda.CudaStream cuda ? cuda.StreamPtr
        : Stream is ILGPU.Runtime.OpenCL.CLStream cl ? cl.CommandQueue : 0;

    public override void Synchronize() => Stream.Synchronize();

    public override TimingEvent Record()
    {
        if (profiling()) return new MarkerEvent(Stream.AddProfilingMarker());
        Stream.Synchronize();
        return new HostEvent(Stopwatch.GetTimestamp());
    }

    protected override void Dispose(bool disposing)
    {
        if (ownsStream) Stream.Dispose();
    }

    private sealed class MarkerEvent(ProfilingMarker marker) : TimingEvent
    {
        public ProfilingMarker Marker { get; } = marker;

        public override double MillisecondsSince(TimingEvent start) => (Marker - ((MarkerEvent)start).Marker).TotalMilliseconds;

        protected override void Dispose(bool disposing) => Marker.Dispose();
    }

    private sealed class HostEvent(long timestamp) : TimingEvent
    {
        public long Timestamp { get; } = timestamp;

        public override double MillisecondsSince(TimingEvent start) =>
            Stopwatch.GetElapsedTime(((HostEvent)start).Timestamp, Timestamp).TotalMilliseconds;
    }
}
