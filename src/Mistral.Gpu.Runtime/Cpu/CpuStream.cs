using System.Diagnostics;

namespace Mistral.Gpu.Runtime.Cpu;

/// <summary>The CPU runs launches synchronously, so its stream is already in order and always idle.</summary>
internal sealed class CpuStream : AcceleratorStream
{
    public override nint NativeHandle => 0;

    public override void Synchronize()
    {
    }

    public override TimingEvent Record() => new CpuTimingEvent(Stopwatch.GetTimestamp());

    private sealed class CpuTimingEvent(long timestamp) : TimingEvent
    {
        private long Timestamp { get; } = timestamp;

        public override double MillisecondsSince(TimingEvent start) =>
            Stopwatch.GetElapsedTime(((CpuTimingEvent)start).Timestamp, Timestamp).TotalMilliseconds;
    }
}
