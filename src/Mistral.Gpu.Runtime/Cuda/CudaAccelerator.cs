namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// An NVIDIA GPU through the CUDA driver API, in the device's primary context (the one the CUDA
/// runtime and frameworks such as PyTorch use, so their device pointers and streams work here).
/// Kernels are compiled from their CUDA C source by NVRTC for the device's architecture on first
/// use, with the PTX cached on disk; buffers are CUdeviceptrs; streams are CUstreams.
/// </summary>
public sealed unsafe class CudaAccelerator : Accelerator
{
    private readonly CudaStream defaultStream;
    private readonly CudaKernelCache kernels;
    private readonly List<CudaStream> ownStreams = [];

    private CudaAccelerator(CudaContextHandle context, int ordinal, AcceleratorInfo info, NvrtcTarget target)
    {
        Context = context;
        DeviceOrdinal = ordinal;
        Info = info;
        kernels = new CudaKernelCache(context, target);
        MakeCurrent();
        defaultStream = NewStream();
    }

    /// <summary>Every CUDA device, in the driver's order.</summary>
    /// <exception cref="BackendUnavailableException">No NVIDIA driver or no device; the message says what to install.</exception>
    public static IReadOnlyList<AcceleratorInfo> ListDevices()
    {
        int count = CudaDiscovery.Initialize();
        return [.. Enumerable.Range(0, count).Select(i => CudaDiscovery.Describe(CudaDiscovery.Device(i)))];
    }

    /// <summary>Opens CUDA device <paramref name="deviceOrdinal"/> (as <c>nvidia-smi</c> numbers it, after CUDA_VISIBLE_DEVICES).</summary>
    /// <exception cref="BackendUnavailableException">No NVIDIA driver, no device, or no NVRTC; the message says what to install.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no device at that ordinal.</exception>
    public static CudaAccelerator Create(int deviceOrdinal = 0)
    {
        int count = CudaDiscovery.Initialize();
        NvrtcCompiler.EnsureAvailable();
        if ((uint)deviceOrdinal >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(deviceOrdinal), $"CUDA device {deviceOrdinal} does not exist: the driver sees {count} device(s).");
        int device = CudaDiscovery.Device(deviceOrdinal);
        var info = CudaDiscovery.Describe(device);
        var (major, minor) = CudaDiscovery.ComputeCapability(device);
        var target = NvrtcTarget.For(major, minor, NvrtcCompiler.SupportedArchitectures());
        int driver;
        CudaErrors.Check(CuApi.cuDriverGetVersion(&driver), "cuDriverGetVersion");
        var (nvrtcMajor, nvrtcMinor) = NvrtcCompiler.VersionNumbers();
        if (CudaVersionCheck.Problem(driver, nvrtcMajor, nvrtcMinor, target) is { } problem)
            throw new BackendUnavailableException(BackendKind.Cuda, $"{problem} (NVRTC loaded from {NativeLibraries.LoadedPath(NativeLibraries.Nvrtc)})");
        nint raw;
        CudaErrors.Check(CuApi.cuDevicePrimaryCtxRetain(&raw, device), "cuDevicePrimaryCtxRetain");
        var context = new CudaContextHandle(raw, device);
        try
        {
            return new CudaAccelerator(context, deviceOrdinal, info, target);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    internal CudaContextHandle Context { get; }

    /// <inheritdoc />
    public override AcceleratorInfo Info { get; }

    /// <summary>A stream of ours that synchronises with the legacy default stream, so the host's blocking CUDA calls order with it.</summary>
    public override AcceleratorStream DefaultStream => defaultStream;

    /// <summary>The device ordinal.</summary>
    public int DeviceOrdinal { get; }

    /// <summary>The CUcontext (the device's primary context).</summary>
    public nint NativeContext => Context.Value;

    /// <summary>
    /// What kernels are compiled for: the device's real architecture (<c>sm_90</c>, CUBIN) where
    /// NVRTC knows it, else the newest virtual one it knows (<c>compute_90</c>, PTX the driver JIT-compiles).
    /// </summary>
    public string Architecture => kernels.Target.Option;

    /// <summary>Where compiled PTX is cached: <c>$XDG_CACHE_HOME/mistral-gpu/ptx</c> or <c>~/.cache/mistral-gpu/ptx</c>.</summary>
    public static string PtxCacheDirectory => PtxDiskCache.Directory;

    /// <summary>Number of kernel variants loaded so far.</summary>
    public int CompiledVariantCount => kernels.Count;

    /// <summary>Makes the context current on the calling thread; every entry point does, since the host may call from any thread.</summary>
    internal void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CudaErrors.Check(CuApi.cuCtxSetCurrent(Context.Value), "cuCtxSetCurrent");
    }

    private CudaStream NewStream()
    {
        nint stream;
        CudaErrors.Check(CuApi.cuStreamCreate(&stream, CuConstants.StreamDefault), "cuStreamCreate");
        return new CudaStream(this, new CudaStreamHandle(stream, ownsHandle: true, Context));
    }

    /// <inheritdoc />
    public override AcceleratorStream CreateStream()
    {
        MakeCurrent();
        ownStreams.RemoveAll(s => s.IsDisposed);
        var stream = NewStream();
        ownStreams.Add(stream);
        return stream;
    }

    /// <summary>Waits for all work in the context, on every stream (ours and the host's).</summary>
    public override void Synchronize()
    {
        MakeCurrent();
        CudaErrors.Check(CuApi.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /// <summary>
    /// Wraps device memory the caller owns (in this device's primary context) as a buffer of
    /// <paramref name="length"/> elements without copying. Disposing the wrapper (or the
    /// accelerator) never frees it; the caller keeps it alive while kernels use it.
    /// </summary>
    /// <exception cref="ArgumentException">The pointer is null or was not allocated in this accelerator's context.</exception>
    public DeviceBuffer<T> WrapDevicePointer<T>(nint devicePointer, long length) where T : unmanaged
    {
        MakeCurrent();
        if (devicePointer == 0) throw new ArgumentException("The device pointer is null.", nameof(devicePointer));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        nint owner;
        int status = CuApi.cuPointerGetAttribute(&owner, CuConstants.PointerAttributeContext, (ulong)devicePointer);
        if (status != CuConstants.Success || owner != Context.Value)
            throw new ArgumentException("The pointer is not device memory of this accelerator's CUDA context.", nameof(devicePointer));
        return WrapForeign<T>(new CudaMemory((ulong)devicePointer, ownsHandle: false, Context), length);
    }

    /// <summary>
    /// Uses a CUstream the caller owns (of this device's primary context) for launches, without
    /// taking ownership: disposing the returned stream never destroys it.
    /// </summary>
    public AcceleratorStream WrapStream(nint cuStream)
    {
        MakeCurrent();
        // 0, the legacy default stream, is a valid stream; our handles treat 0 as "none", so name it
        // by CU_STREAM_LEGACY, the same stream.
        nint handle = cuStream == 0 ? LegacyStream : cuStream;
        return new CudaStream(this, new CudaStreamHandle(handle, ownsHandle: false, Context));
    }

    /// <summary>CU_STREAM_LEGACY: the handle cuda.h defines for the legacy default stream.</summary>
    private const nint LegacyStream = 0x1;

    /// <inheritdoc />
    public override void Compile(KernelDefinition kernel, IReadOnlyList<int> specializationValues)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        MakeCurrent();
        kernels.Get(kernel, specializationValues.ToArray());
    }

    /// <inheritdoc />
    protected override void LaunchCore(KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments, AcceleratorStream stream)
    {
        if (stream is not CudaStream cuStream || !ReferenceEquals(cuStream.Owner, this))
            throw new ArgumentException($"Kernel {kernel.Name}: the stream does not belong to this accelerator.", nameof(stream));
        MakeCurrent();
        Span<int> variant = stackalloc int[kernel.SpecializationCount];
        kernel.SpecializationValues(arguments, variant);
        nint function = kernels.Get(kernel, variant);
        int count = DeviceAbi.ArgumentCount(kernel);
        ulong* slots = stackalloc ulong[Math.Max(1, count)];
        void** pointers = stackalloc void*[Math.Max(1, count)];
        CudaKernelArguments.Fill(kernel, arguments, slots, pointers);
        var (groups, size) = (dims.GroupCount, dims.GroupSize);
        CudaErrors.Check(CuApi.cuLaunchKernel(function, (uint)groups.X, (uint)groups.Y, (uint)groups.Z, (uint)size.X, (uint)size.Y, (uint)size.Z,
            0, cuStream.NativeHandle, pointers, null), $"cuLaunchKernel({kernel.Name}, {dims})");
        // A faulting kernel is otherwise reported by whichever later call happens to sync, under its own name.
        if (syncEveryLaunch)
            CudaErrors.Check(CuApi.cuStreamSynchronize(cuStream.NativeHandle), $"kernel {kernel.VariantLabel([.. variant])} ({dims}), synchronised after its launch because {SyncVariable}=1");
    }

    /// <summary>The variable that, set to 1, synchronises after every launch so a fault names its kernel.</summary>
    public const string SyncVariable = "MGPU_CUDA_SYNC";

    private readonly bool syncEveryLaunch = Environment.GetEnvironmentVariable(SyncVariable) == "1";

    /// <inheritdoc />
    protected override BufferStorage AllocateCore(long bytes)
    {
        MakeCurrent();
        ulong pointer;
        CudaErrors.Check(CuApi.cuMemAlloc_v2(&pointer, (nuint)bytes), $"cuMemAlloc_v2({bytes} bytes)");
        var memory = new CudaMemory(pointer, ownsHandle: true, Context);
        try
        {
            // Zero on our stream and wait for it: a launch on any other stream must not see the buffer before the fill.
            CudaErrors.Check(CuApi.cuMemsetD8Async(pointer, 0, (nuint)bytes, defaultStream.NativeHandle), "cuMemsetD8Async");
            CudaErrors.Check(CuApi.cuStreamSynchronize(defaultStream.NativeHandle), "cuStreamSynchronize");
            return memory;
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    protected internal override void CopyToDevice(DeviceBuffer destination, long byteOffset, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty) return;
        MakeCurrent();
        // Copy on the default stream and wait: ordered after launches queued there, finished when we return.
        fixed (byte* data = source)
        {
            CudaErrors.Check(CuApi.cuMemcpyHtoDAsync_v2((ulong)destination.NativeHandle + (ulong)byteOffset, data, (nuint)source.Length, defaultStream.NativeHandle),
                "cuMemcpyHtoDAsync_v2");
            CudaErrors.Check(CuApi.cuStreamSynchronize(defaultStream.NativeHandle), "cuStreamSynchronize");
        }
    }

    /// <inheritdoc />
    protected internal override void CopyToHost(DeviceBuffer source, long byteOffset, Span<byte> destination)
    {
        if (destination.IsEmpty) return;
        MakeCurrent();
        fixed (byte* data = destination)
        {
            CudaErrors.Check(CuApi.cuMemcpyDtoHAsync_v2(data, (ulong)source.NativeHandle + (ulong)byteOffset, (nuint)destination.Length, defaultStream.NativeHandle),
                "cuMemcpyDtoHAsync_v2");
            CudaErrors.Check(CuApi.cuStreamSynchronize(defaultStream.NativeHandle), "cuStreamSynchronize");
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        // Let in-flight work finish before its modules and streams go away.
        if (CuApi.cuCtxSetCurrent(Context.DangerousGetHandle()) == CuConstants.Success) CuApi.cuCtxSynchronize();
        kernels.Dispose();
        foreach (var stream in ownStreams) stream.Dispose();
        ownStreams.Clear();
        defaultStream.Dispose();
        Context.Dispose();
    }
}
