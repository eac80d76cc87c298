using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>
/// Runs the kernels written in ILGPU's kernel API on an ILGPU accelerator: its CUDA accelerator (ILGPU's PTX at O2, JIT-compiled
/// by the driver), its OpenCL accelerator (OpenCL 2.0+ devices with the generic address space) or its CPU accelerator (a
/// thread per lane running the kernel's C#: slow, for debugging). Buffers are ILGPU memory buffers. A host that already has
/// an ILGPU accelerator passes it to <see cref="FromHost"/> and its views to <see cref="Wrap{T}(ArrayView{T})"/>; then nothing
/// of the host's is disposed by us.
/// </summary>
public sealed class IlgpuAccelerator : Accelerator
{
    private readonly Context? ownedContext;
    private readonly bool ownsDevice;
    private readonly IlgpuKernels kernels;
    private readonly IlgpuStream stream;
    private bool? profiling;

    private IlgpuAccelerator(ILGPU.Runtime.Accelerator device, Context? ownedContext, bool ownsDevice)
    {
        Device = device;
        this.ownedContext = ownedContext;
        this.ownsDevice = ownsDevice;
        var backend = KindOf(device);
        kernels = new IlgpuKernels(device, backend);
        stream = new IlgpuStream(device.DefaultStream, ownsStream: false, Profiling);
        Info = IlgpuDevices.Describe(device, backend);
    }

    /// <summary>The ILGPU accelerator underneath (the host's, when it came from <see cref="FromHost"/>).</summary>
    public ILGPU.Runtime.Accelerator Device { get; }

    /// <inheritdoc />
    public override AcceleratorInfo Info { get; }

    /// <inheritdoc />
    public override Mistral.Gpu.Runtime.AcceleratorStream DefaultStream => stream;

    /// <summary>
    /// Creates an ILGPU accelerator of <paramref name="backend"/> (<see cref="BackendKind.IlgpuCuda"/>, <see cref="BackendKind.IlgpuOpenCL"/>
    /// or <see cref="BackendKind.IlgpuCpu"/>) in a context of its own (O2, ILGPU.Algorithms, profiling), both disposed with it.
    /// </summary>
    /// <exception cref="BackendUnavailableException">ILGPU finds no such device here; the message says why.</exception>
    public static IlgpuAccelerator Create(BackendKind backend)
    {
        var (context, device) = IlgpuDevices.Open(backend);
        return new IlgpuAccelerator(device, context, ownsDevice: true);
    }

    /// <summary>
    /// Runs our kernels on a host's ILGPU accelerator. The host keeps owning it and its context: disposing the returned
    /// accelerator frees only the buffers it allocated. The host's context should be built with
    /// <see cref="IlgpuContextSetup.EnableMistralKernels"/> (ILGPU.Algorithms' warp reductions, OpenCL's <c>fma</c>).
    /// </summary>
    public static IlgpuAccelerator FromHost(ILGPU.Runtime.Accelerator device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(device.IsDisposed, device);
        return new IlgpuAccelerator(device, ownedContext: null, ownsDevice: false);
    }

    /// <summary>A host's view as our buffer, without a copy; disposing the buffer leaves the host's memory alone.</summary>
    /// <exception cref="ArgumentException">The view is empty or belongs to another ILGPU accelerator.</exception>
    public DeviceBuffer<T> Wrap<T>(ArrayView<T> view) where T : unmanaged
    {
        if (!view.IsValid || view.Length == 0) throw new ArgumentException("The view is empty: wrap a view of at least one element.", nameof(view));
        if (!ReferenceEquals(view.GetAccelerator(), Device))
            throw new ArgumentException($"The view belongs to another ILGPU accelerator ({view.GetAccelerator().Name}), not to {Device.Name}.", nameof(view));
        return WrapForeign<T>(IlgpuMemory.Borrow(view), view.Length);
    }

    /// <summary>A host's buffer as ours, without a copy (see <see cref="Wrap{T}(ArrayView{T})"/>).</summary>
    public DeviceBuffer<T> Wrap<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Wrap(buffer.View.AsContiguous());
    }

    /// <summary>A window of one of this accelerator's buffers as an ILGPU view, for the host's own ILGPU kernels.</summary>
    /// <exception cref="ArgumentException">The buffer belongs to another accelerator.</exception>
    public ArrayView<T> ViewOf<T>(BufferView<T> window) where T : unmanaged
    {
        if (window.Buffer is not { } buffer || !ReferenceEquals(buffer.Accelerator, this))
            throw new ArgumentException("The buffer is null or belongs to another accelerator.", nameof(window));
        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
        return ((IlgpuMemory)buffer.Storage).Raw.Cast<T>().SubView(window.Offset, window.Length);
    }

    /// <inheritdoc />
    public override Mistral.Gpu.Runtime.AcceleratorStream CreateStream() => new IlgpuStream(Device.CreateStream(), ownsStream: true, Profiling);

    /// <inheritdoc />
    public override void Synchronize() => Device.Synchronize();

    /// <summary>Loads the kernel (ILGPU compiles each specialization value on its first launch).</summary>
    /// <exception cref="NotSupportedException">The kernel still takes a KernelContext.</exception>
    public override void Compile(KernelDefinition kernel, IReadOnlyList<int> specializationValues)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        kernels.Get(kernel);
    }

    /// <inheritdoc />
    protected override void LaunchCore(KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments, Mistral.Gpu.Runtime.AcceleratorStream launchStream) =>
        kernels.Launch(kernel, dims, arguments, ((IlgpuStream)launchStream).Stream);

    /// <inheritdoc />
    protected override BufferStorage AllocateCore(long bytes) => IlgpuMemory.Allocate(Device, bytes);

    /// <summary>
    /// ILGPU's CPU accelerator copies at once, not in stream order, so a copy first waits for launches that may still read
    /// or write the buffer. CUDA and OpenCL copies are ordered on their stream already and need no wait.
    /// </summary>
    private void WaitForCpuLaunches()
    {
        if (Device.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU) Device.Synchronize();
    }

    /// <inheritdoc />
    protected internal override void CopyToDevice(DeviceBuffer destination, long byteOffset, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty) return;
        WaitForCpuLaunches();
        var target = ((IlgpuMemory)destination.Storage).Raw.SubView(byteOffset, source.Length);
        target.CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
    }

    /// <inheritdoc />
    protected internal override void CopyToHost(DeviceBuffer source, long byteOffset, Span<byte> destination)
    {
        if (destination.IsEmpty) return;
        WaitForCpuLaunches();
        var from = ((IlgpuMemory)source.Storage).Raw.SubView(byteOffset, destination.Length);
        from.CopyToCPU(ref MemoryMarshal.GetReference(destination), destination.Length);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (ownsDevice) Device.Dispose();
        ownedContext?.Dispose();
    }

    private static BackendKind KindOf(ILGPU.Runtime.Accelerator device) => device.AcceleratorType switch
    {
        AcceleratorType.Cuda => BackendKind.IlgpuCuda,
        AcceleratorType.OpenCL => BackendKind.IlgpuOpenCL,
        _ => BackendKind.IlgpuCpu,
    };

    // A host's context may lack .Profiling(); ILGPU says so only by throwing, so ask once and remember.
    private bool Profiling()
    {
        if (profiling is { } known) return known;
        try
        {
            using var marker = Device.DefaultStream.AddProfilingMarker();
            profiling = true;
        }
        catch (NotSupportedException)
        {
            profiling = false;
        }
        return profiling.Value;
    }
}
