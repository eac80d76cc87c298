namespace Mistral.Gpu.Runtime;

/// <summary>What a device is and what it can do at most.</summary>
public sealed record AcceleratorInfo
{
    /// <summary>The backend driving the device.</summary>
    public required BackendKind Backend { get; init; }

    /// <summary>The device's name as its driver reports it.</summary>
    public required string Name { get; init; }

    /// <summary>The device's vendor as its driver reports it (empty when unknown).</summary>
    public string Vendor { get; init; } = "";

    /// <summary>Platform or driver description (OpenCL platform, CUDA driver version, CPU model).</summary>
    public string Platform { get; init; } = "";

    /// <summary>
    /// True when the device is the host's CPU (the CPU backend, an OpenCL CPU device such as PoCL): groups run as
    /// loops on its cores and its memory is host DRAM, so kernels take their CPU shapes and peaks are measured.
    /// </summary>
    public bool IsCpu { get; init; }

    /// <summary>Global memory in bytes.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Streaming multiprocessors / compute units / cores.</summary>
    public int ComputeUnits { get; init; }

    /// <summary>Largest number of lanes in one group.</summary>
    public int MaxGroupSize { get; init; } = 1024;

    /// <summary>Shared (local) memory per group in bytes.</summary>
    public long SharedMemoryBytes { get; init; }

    /// <summary>CUDA compute capability such as "9.0"; empty elsewhere.</summary>
    public string ComputeCapability { get; init; } = "";

    /// <summary>Peak memory bandwidth in bytes/s, when known or measured.</summary>
    public double? PeakBandwidthBytesPerSecond { get; init; }

    /// <summary>Peak dense fp16/fp32 FLOP/s, when known.</summary>
    public double? PeakFlopsPerSecond { get; init; }

    /// <summary>Where the peak figures come from ("datasheet: ...", "measured", or empty).</summary>
    public string PeakSource { get; init; } = "";
}
