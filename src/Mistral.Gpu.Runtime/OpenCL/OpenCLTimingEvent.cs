namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>A marker event whose CL_PROFILING_COMMAND_END is the device time at which the work before it finished.</summary>
internal sealed unsafe class OpenCLTimingEvent(ClEventHandle evt) : TimingEvent
{
    public override double MillisecondsSince(TimingEvent start)
    {
        if (start is not OpenCLTimingEvent other)
            throw new ArgumentException("Both timing events must come from OpenCL streams.", nameof(start));
        return (EndNanoseconds() - other.EndNanoseconds()) / 1e6;
    }

    private long EndNanoseconds()
    {
        nint handle = evt.Value;
        ClErrors.Check(ClApi.clWaitForEvents(1, &handle), "clWaitForEvents");
        ulong end;
        ClErrors.Check(ClApi.clGetEventProfilingInfo(handle, ClConstants.ProfilingCommandEnd, sizeof(ulong), &end, null), "clGetEventProfilingInfo");
        return (long)end;
    }

    protected override void Dispose(bool disposing) => evt.Dispose();
}
