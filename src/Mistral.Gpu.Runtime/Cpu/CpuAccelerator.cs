using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Runtime.Cpu;

/// <summary>
/// Runs the C# kernels themselves on the host: groups in parallel across cores, lanes of a group
/// on one thread (round-robin between barriers). Breakpoints in a kernel's C# work here.
/// </summary>
public sealed class CpuAccelerator : Accelerator
{
    private readonly CpuStream stream = new();
    private readonly ThreadLocal<CpuGroup> groups;

    /// <summary>Creates the CPU accelerator, using up to <paramref name="maxThreads"/> cores (default: all).</summary>
    /// <param name="maxThreads">Threads for groups (default: every core).</param>
    /// <param name="useGroupBodies">Run kernels' vectorised <see cref="CpuGroupBodyAttribute"/> methods (default:
    /// yes, unless <c>MGPU_CPU_LANES=1</c>); false steps every kernel's lanes, as a debugger wants.</param>
    public CpuAccelerator(int? maxThreads = null, bool? useGroupBodies = null)
    {
        MaxThreads = maxThreads ?? Environment.ProcessorCount;
        UseGroupBodies = useGroupBodies ?? Environment.GetEnvironmentVariable("MGPU_CPU_LANES") != "1";
        bool bodies = UseGroupBodies;
        groups = new ThreadLocal<CpuGroup>(() => new CpuGroup(bodies), trackAllValues: true);
        Info = new AcceleratorInfo
        {
            Backend = BackendKind.Cpu,
            IsCpu = true,
            Name = $"CPU ({MaxThreads} threads, C# kernels)",
            Platform = $".NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            ComputeUnits = MaxThreads,
            MaxGroupSize = 1024,
            SharedMemoryBytes = 64 * 1024,
        };
    }

    /// <summary>Threads used for groups.</summary>
    public int MaxThreads { get; }

    /// <summary>Whether kernels with a <see cref="CpuGroupBodyAttribute"/> run that vectorised method instead of their lanes.</summary>
    public bool UseGroupBodies { get; }

    /// <inheritdoc />
    public override AcceleratorInfo Info { get; }

    /// <inheritdoc />
    public override AcceleratorStream DefaultStream => stream;

    /// <inheritdoc />
    public override AcceleratorStream CreateStream() => new CpuStream();

    /// <inheritdoc />
    public override void Compile(KernelDefinition kernel, IReadOnlyList<int> specializationValues)
    {
        // The C# kernel was compiled with the program; nothing to build at run time.
    }

    /// <inheritdoc />
    protected override void LaunchCore(KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments, AcceleratorStream launchStream)
    {
        var (count, size) = (dims.GroupCount, dims.GroupSize);
        long total = count.Volume;
        if (total == 1 || MaxThreads == 1)
        {
            // On this thread: the caller's argument span is enough, nothing is copied.
            var group = groups.Value!;
            for (long g = 0; g < total; g++)
            {
                group.Reset(GroupId(g, count), size, count);
                kernel.Cpu(group, arguments);
            }
            return;
        }
        RunOnThreads(kernel, arguments.ToArray(), count, size, total);
    }

    // Its own method: the closure's captures would otherwise be allocated on entry to LaunchCore, for inline launches too.
    private void RunOnThreads(KernelDefinition kernel, KernelArgument[] args, Dim3 count, Dim3 size, long total) =>
        CpuGroupScheduler.Run(linear =>
        {
            var group = groups.Value!;
            group.Reset(GroupId(linear, count), size, count);
            kernel.Cpu(group, args);
        }, total, MaxThreads);

    private static Dim3 GroupId(long linear, Dim3 count) =>
        new((int)(linear % count.X), (int)(linear / count.X % count.Y), (int)(linear / ((long)count.X * count.Y)));

    /// <inheritdoc />
    protected override BufferStorage AllocateCore(long bytes) => new CpuMemory(bytes);

    /// <inheritdoc />
    protected internal override unsafe void CopyToDevice(DeviceBuffer destination, long byteOffset, ReadOnlySpan<byte> source) =>
        source.CopyTo(new Span<byte>((byte*)destination.NativeHandle + byteOffset, source.Length));

    /// <inheritdoc />
    protected internal override unsafe void CopyToHost(DeviceBuffer source, long byteOffset, Span<byte> destination) =>
        new ReadOnlySpan<byte>((byte*)source.NativeHandle + byteOffset, destination.Length).CopyTo(destination);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        foreach (var group in groups.Values) group.Dispose();
        groups.Dispose();
    }
}
