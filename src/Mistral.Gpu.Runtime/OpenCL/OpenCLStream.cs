namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>An in-order OpenCL command queue. Queues we create have profiling on, so <see cref="Record"/> can time them.</summary>
internal sealed unsafe class OpenCLStream : AcceleratorStream
{
    private readonly ClQueueHandle queue;
    private readonly bool profiling;

    public OpenCLStream(OpenCLAccelerator owner, ClQueueHandle queue, bool profiling)
    {
        Owner = owner;
        this.queue = queue;
        this.profiling = profiling;
    }

    /// <summary>The accelerator whose context the queue belongs to.</summary>
    public OpenCLAccelerator Owner { get; }

    /// <summary>The cl_command_queue.</summary>
    public override nint NativeHandle => queue.Value;

    public bool IsDisposed => queue.IsClosed;

    public override void Synchronize() => ClErrors.Check(ClApi.clFinish(queue.Value), "clFinish");

    public override TimingEvent Record()
    {
        if (!profiling)
            throw new InvalidOperationException(
                "This command queue was created without CL_QUEUE_PROFILING_ENABLE, so OpenCL cannot time it; create the queue with profiling to use timing events.");
        nint evt;
        // A marker with an empty wait list completes when everything queued before it has, so its
        // end time is the end of that work.
        ClErrors.Check(ClApi.clEnqueueMarkerWithWaitList(queue.Value, 0, null, &evt), "clEnqueueMarkerWithWaitList");
        var handle = new ClEventHandle(evt);
        ClErrors.Check(ClApi.clFlush(queue.Value), "clFlush");
        return new OpenCLTimingEvent(handle);
    }

    protected override void Dispose(bool disposing)
    {
        if (queue.IsClosed) return;
        // Finishing first means a disposed stream never leaves work running against released objects.
        if (!queue.IsInvalid) ClApi.clFinish(queue.DangerousGetHandle());
        queue.Dispose();
    }
}
