namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>
/// An OpenCL device: any ICD (NVIDIA, AMD, Intel, PoCL on CPUs) through libOpenCL.so.1. Kernels are
/// built from their OpenCL C source on first use and cached per specialization; buffers are
/// cl_mem objects; streams are in-order command queues with profiling enabled.
/// </summary>
public sealed unsafe class OpenCLAccelerator : Accelerator
{
    private readonly ClContextHandle context;
    private readonly OpenCLStream defaultStream;
    private readonly OpenCLKernelCache kernels;
    private readonly List<OpenCLStream> createdStreams = [];

    private OpenCLAccelerator(ClContextHandle context, ClQueueHandle queue, bool queueProfiles, nint platform, nint device)
    {
        this.context = context;
        NativeDevice = device;
        Info = ClDiscovery.Describe(platform, device);
        defaultStream = new OpenCLStream(this, queue, queueProfiles);
        kernels = new OpenCLKernelCache(context, device);
    }

    /// <summary>Every OpenCL device of every platform, best first: GPUs, then accelerators, then CPUs.</summary>
    /// <exception cref="BackendUnavailableException">No OpenCL loader, platform or device; the message says what to install.</exception>
    public static IReadOnlyList<AcceleratorInfo> ListDevices() =>
        [.. ClDiscovery.RankedDevices().Select(d => ClDiscovery.Describe(d.Platform, d.Device))];

    /// <summary>Opens the device at <paramref name="deviceIndex"/> of <see cref="ListDevices"/> (0, the default, is the best: a GPU when there is one).</summary>
    /// <exception cref="BackendUnavailableException">No OpenCL loader, platform or device.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no device at that index.</exception>
    public static OpenCLAccelerator Create(int deviceIndex = 0)
    {
        var devices = ClDiscovery.RankedDevices();
        if ((uint)deviceIndex >= (uint)devices.Count)
            throw new ArgumentOutOfRangeException(nameof(deviceIndex), $"Device index {deviceIndex} is out of range: OpenCL has {devices.Count} device(s).");
        return Open(devices[deviceIndex]);
    }

    /// <summary>Opens device <paramref name="deviceIndex"/> of platform <paramref name="platformIndex"/>, in the driver's own order (as <c>clinfo</c> lists them).</summary>
    /// <exception cref="BackendUnavailableException">No OpenCL loader, platform or device.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such platform or device.</exception>
    public static OpenCLAccelerator Create(int platformIndex, int deviceIndex)
    {
        var devices = ClDiscovery.RankedDevices();
        var match = devices.Where(d => d.PlatformIndex == platformIndex && d.DeviceIndex == deviceIndex).ToList();
        if (match.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(deviceIndex), $"OpenCL has no device {deviceIndex} on platform {platformIndex}.");
        return Open(match[0]);
    }

    /// <summary>
    /// Runs on a context, queue and device the host already owns (for example a framework's), so
    /// its cl_mem objects can be passed to kernels through <see cref="WrapBuffer{T}"/> without copies.
    /// The three handles are never released by this accelerator; the queue must be in-order, and
    /// timing events need it to have been created with CL_QUEUE_PROFILING_ENABLE.
    /// </summary>
    /// <exception cref="ArgumentException">A handle is zero, or the queue does not belong to that context and device.</exception>
    public static OpenCLAccelerator FromExisting(nint clContext, nint clCommandQueue, nint clDeviceId)
    {
        if (clContext == 0) throw new ArgumentException("The cl_context is null.", nameof(clContext));
        if (clCommandQueue == 0) throw new ArgumentException("The cl_command_queue is null.", nameof(clCommandQueue));
        if (clDeviceId == 0) throw new ArgumentException("The cl_device_id is null.", nameof(clDeviceId));
        nint queueContext, queueDevice;
        ulong properties;
        ClErrors.Check(ClApi.clGetCommandQueueInfo(clCommandQueue, ClConstants.QueueContext, (nuint)sizeof(nint), &queueContext, null), "clGetCommandQueueInfo");
        ClErrors.Check(ClApi.clGetCommandQueueInfo(clCommandQueue, ClConstants.QueueDevice, (nuint)sizeof(nint), &queueDevice, null), "clGetCommandQueueInfo");
        ClErrors.Check(ClApi.clGetCommandQueueInfo(clCommandQueue, ClConstants.QueueProperties, sizeof(ulong), &properties, null), "clGetCommandQueueInfo");
        if (queueContext != clContext) throw new ArgumentException("The command queue belongs to another cl_context.", nameof(clCommandQueue));
        if (queueDevice != clDeviceId) throw new ArgumentException("The command queue belongs to another cl_device_id.", nameof(clCommandQueue));
        if ((properties & ClConstants.QueueOutOfOrderExecModeEnable) != 0)
            throw new ArgumentException("The command queue is out-of-order; launches and copies rely on an in-order queue.", nameof(clCommandQueue));
        nint platform = ClDiscovery.DeviceValue<nint>(clDeviceId, ClConstants.DevicePlatform);
        return new OpenCLAccelerator(new ClContextHandle(clContext, ownsHandle: false), new ClQueueHandle(clCommandQueue, ownsHandle: false),
            (properties & ClConstants.QueueProfilingEnable) != 0, platform, clDeviceId);
    }

    private static OpenCLAccelerator Open(ClDevice device)
    {
        int status;
        nint id = device.Device;
        nint* properties = stackalloc nint[] { ClConstants.ContextPlatform, device.Platform, 0 };
        var context = new ClContextHandle(ClApi.clCreateContext(properties, 1, &id, 0, 0, &status), ownsHandle: true);
        ClQueueHandle? queue = null;
        try
        {
            ClErrors.Check(status, "clCreateContext");
            queue = CreateQueue(context, id);
            return new OpenCLAccelerator(context, queue, queueProfiles: true, device.Platform, id);
        }
        catch
        {
            queue?.Dispose();
            context.Dispose();
            throw;
        }
    }

    private static ClQueueHandle CreateQueue(ClContextHandle context, nint device)
    {
        int status;
        nint queue = ClApi.clCreateCommandQueue(context.Value, device, ClConstants.QueueProfilingEnable, &status);
        ClErrors.Check(status, "clCreateCommandQueue");
        return new ClQueueHandle(queue, ownsHandle: true);
    }

    /// <inheritdoc />
    public override AcceleratorInfo Info { get; }

    /// <summary>The in-order, profiling command queue launches and copies use by default.</summary>
    public override AcceleratorStream DefaultStream => defaultStream;

    /// <summary>The cl_context.</summary>
    public nint NativeContext => context.Value;

    /// <summary>The cl_device_id.</summary>
    public nint NativeDevice { get; }

    /// <summary>Number of kernel variants built so far (each (kernel, specialization values) pair once).</summary>
    public int CompiledVariantCount => kernels.Count;

    /// <summary>A new in-order command queue with profiling on the same device; released on dispose or with the accelerator.</summary>
    public override AcceleratorStream CreateStream()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        createdStreams.RemoveAll(s => s.IsDisposed);
        var stream = new OpenCLStream(this, CreateQueue(context, NativeDevice), profiling: true);
        createdStreams.Add(stream);
        return stream;
    }

    /// <summary>Finishes the default queue and every queue made by <see cref="CreateStream"/>.</summary>
    public override void Synchronize()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        defaultStream.Synchronize();
        foreach (var stream in createdStreams.Where(s => !s.IsDisposed)) stream.Synchronize();
    }

    /// <summary>
    /// Wraps a cl_mem the caller owns, from this accelerator's context, as a buffer of
    /// <paramref name="length"/> elements without copying. Disposing the wrapper (or the
    /// accelerator) never releases the cl_mem.
    /// </summary>
    /// <exception cref="ArgumentException">The handle is null, from another context, or smaller than <paramref name="length"/> elements.</exception>
    public DeviceBuffer<T> WrapBuffer<T>(nint clMem, long length) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (clMem == 0) throw new ArgumentException("The cl_mem is null.", nameof(clMem));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        nint memContext;
        nuint size;
        ClErrors.Check(ClApi.clGetMemObjectInfo(clMem, ClConstants.MemContext, (nuint)sizeof(nint), &memContext, null), "clGetMemObjectInfo");
        ClErrors.Check(ClApi.clGetMemObjectInfo(clMem, ClConstants.MemSize, (nuint)sizeof(nuint), &size, null), "clGetMemObjectInfo");
        if (memContext != context.Value)
            throw new ArgumentException("The cl_mem belongs to another cl_context; kernels can only use memory of the accelerator's context.", nameof(clMem));
        long needed = checked(length * sizeof(T));
        if ((ulong)size < (ulong)needed)
            throw new ArgumentException($"The cl_mem holds {size} bytes; {length} elements of {typeof(T).Name} need {needed}.", nameof(clMem));
        return WrapForeign<T>(new ClBuffer(clMem, ownsHandle: false), length);
    }

    /// <inheritdoc />
    public override void Compile(KernelDefinition kernel, IReadOnlyList<int> specializationValues)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentNullException.ThrowIfNull(kernel);
        kernels.Get(kernel, specializationValues.ToArray());
    }

    private readonly Lock launchGate = new();

    /// <inheritdoc />
    protected override void LaunchCore(KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments, AcceleratorStream stream)
    {
        if (stream is not OpenCLStream queue || !ReferenceEquals(queue.Owner, this))
            throw new ArgumentException($"Kernel {kernel.Name}: the stream does not belong to this accelerator.", nameof(stream));
        Span<int> variant = stackalloc int[kernel.SpecializationCount];
        kernel.SpecializationValues(arguments, variant);
        nint clKernel = kernels.Get(kernel, variant);
        var (count, size) = (dims.GroupCount, dims.GroupSize);
        uint workDim = count.Z > 1 || size.Z > 1 ? 3u : count.Y > 1 || size.Y > 1 ? 2u : 1u;
        nuint* global = stackalloc nuint[] { (nuint)count.X * (nuint)size.X, (nuint)count.Y * (nuint)size.Y, (nuint)count.Z * (nuint)size.Z };
        nuint* local = stackalloc nuint[] { (nuint)size.X, (nuint)size.Y, (nuint)size.Z };
        // A cl_kernel holds its arguments until the enqueue copies them, and the cache shares one cl_kernel per
        // variant: two threads launching it at once must not interleave their clSetKernelArg calls.
        lock (launchGate)
        {
            ClKernelArguments.Set(clKernel, kernel, arguments);
            ClErrors.Check(ClApi.clEnqueueNDRangeKernel(queue.NativeHandle, clKernel, workDim, null, global, local, 0, null, null),
                $"clEnqueueNDRangeKernel({kernel.Name}, {dims})");
        }
    }

    /// <inheritdoc />
    protected override BufferStorage AllocateCore(long bytes)
    {
        int status;
        nint mem = ClApi.clCreateBuffer(context.Value, ClConstants.MemReadWrite, (nuint)bytes, null, &status);
        ClErrors.Check(status, $"clCreateBuffer({bytes} bytes)");
        var buffer = new ClBuffer(mem, ownsHandle: true);
        try
        {
            // Zero-fill, and wait: a kernel on another queue must never see the buffer before the fill.
            uint zero = 0;
            nuint patternSize = bytes % 4 == 0 ? 4u : 1u;
            nint evt;
            ClErrors.Check(ClApi.clEnqueueFillBuffer(defaultStream.NativeHandle, mem, &zero, patternSize, 0, (nuint)bytes, 0, null, &evt), "clEnqueueFillBuffer");
            using var fill = new ClEventHandle(evt);
            ClErrors.Check(ClApi.clWaitForEvents(1, &evt), "clWaitForEvents");
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    protected internal override void CopyToDevice(DeviceBuffer destination, long byteOffset, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty) return;
        fixed (byte* data = source)
            ClErrors.Check(ClApi.clEnqueueWriteBuffer(defaultStream.NativeHandle, destination.NativeHandle, 1, (nuint)byteOffset, (nuint)source.Length, data, 0, null, null),
                "clEnqueueWriteBuffer");
    }

    /// <inheritdoc />
    protected internal override void CopyToHost(DeviceBuffer source, long byteOffset, Span<byte> destination)
    {
        if (destination.IsEmpty) return;
        // A blocking read on the in-order default queue runs after every launch queued there before it.
        fixed (byte* data = destination)
            ClErrors.Check(ClApi.clEnqueueReadBuffer(defaultStream.NativeHandle, source.NativeHandle, 1, (nuint)byteOffset, (nuint)destination.Length, data, 0, null, null),
                "clEnqueueReadBuffer");
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        kernels.Dispose();
        foreach (var stream in createdStreams) stream.Dispose();
        createdStreams.Clear();
        defaultStream.Dispose();
        context.Dispose();
    }
}
