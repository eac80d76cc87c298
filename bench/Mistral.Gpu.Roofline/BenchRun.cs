namespace Mistral.Gpu.Roofline;

/// <summary>
/// Everything one <c>mistral-gpu bench</c> run measured and everything needed to trust or repeat
/// it: device and peaks, backend, versions, settings, model shape, throughputs with their spread,
/// memory, and the per-kernel profile. Saved as JSON by <see cref="BenchRunFile"/>.
/// </summary>
public sealed record BenchRun
{
    /// <summary>The current <see cref="SchemaVersion"/>; bumped when a field changes meaning.</summary>
    public const int CurrentSchema = 1;

    /// <summary>Layout version of this record, so old files can be recognised.</summary>
    public int SchemaVersion { get; init; } = CurrentSchema;

    /// <summary>When the run finished.</summary>
    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Versions of the tool, .NET and the OS.</summary>
    public required ToolVersions Versions { get; init; }

    /// <summary>The device the run used.</summary>
    public required DeviceDescription Device { get; init; }

    /// <summary>The ceilings results are compared with, with their sources.</summary>
    public required DevicePeaks Peaks { get; init; }

    /// <summary>What was asked for.</summary>
    public required BenchSettings Settings { get; init; }

    /// <summary>The model's shape.</summary>
    public required ModelShape Model { get; init; }

    /// <summary>Prompt processing of the first requested prompt length; null when skipped.</summary>
    public Throughput? Prefill { get; init; }

    /// <summary>Prompt processing at every requested prompt length (<c>--prompt-tokens 128,512,4096</c>), in the order asked.</summary>
    public IReadOnlyList<Throughput> PrefillByLength { get; init; } = [];

    /// <summary>One-token decode at the chosen context; null when skipped.</summary>
    public Throughput? Decode { get; init; }

    /// <summary>Decode speed at other contexts (512, 4096, 16384 by default).</summary>
    public IReadOnlyList<Throughput> DecodeByContext { get; init; } = [];

    /// <summary>Device memory the model needed at the chosen context.</summary>
    public MemoryUse? Memory { get; init; }

    /// <summary>Per-kernel breakdown of one decode step (with <c>--profile</c>).</summary>
    public StepProfile? Profile { get; init; }

    /// <summary>With --profile and a prefill row: where one prefill of the first prompt length spends its time, kernel by kernel.</summary>
    public StepProfile? PrefillProfile { get; init; }

    /// <summary>From <c>bench suite</c>: each kernel's parity case on this device, and the model's logits against the CPU backend.</summary>
    public IReadOnlyList<VerificationRow> Verification { get; init; } = [];


    /// <summary>From <c>bench suite</c>: launches and host time per decode token.</summary>
    public HostOverhead? Host { get; init; }

    /// <summary>From <c>bench suite</c>: the measurements left out (the budget ran out, or they do not apply), each with why.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>Versions a result depends on.</summary>
public sealed record ToolVersions
{
    /// <summary>mistral-gpu's version.</summary>
    public string Tool { get; init; } = "";

    /// <summary>The .NET runtime.</summary>
    public string Runtime { get; init; } = "";

    /// <summary>The operating system.</summary>
    public string OperatingSystem { get; init; } = "";
}

/// <summary>What the device is (from <c>AcceleratorInfo</c>).</summary>
public sealed record DeviceDescription
{
    /// <summary>cuda, opencl or cpu.</summary>
    public string Backend { get; init; } = "";

    /// <summary>The device's name as its driver reports it.</summary>
    public string Name { get; init; } = "";

    /// <summary>The device's vendor, when reported.</summary>
    public string Vendor { get; init; } = "";

    /// <summary>Platform or driver.</summary>
    public string Platform { get; init; } = "";

    /// <summary>Global memory in bytes.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>SMs, compute units or cores.</summary>
    public int ComputeUnits { get; init; }
}

/// <summary>The options the run was started with.</summary>
public sealed record BenchSettings
{
    /// <summary>A checkpoint path or <c>synthetic:mistral-7b</c>.</summary>
    public string Model { get; init; } = "";

    /// <summary>Weight storage ("int4/32").</summary>
    public string Weights { get; init; } = "";

    /// <summary>KV cache storage: "fp32" or "fp16" (runs saved before the option existed read as fp32).</summary>
    public string KvCache { get; init; } = "fp32";

    /// <summary>Prompt length of the main prefill row, the first one asked for (0: no prefill; every row is in <see cref="BenchRun.PrefillByLength"/>).</summary>
    public int PromptTokens { get; init; }

    /// <summary>Tokens decoded per repetition.</summary>
    public int DecodeTokens { get; init; }

    /// <summary>Untimed repetitions first.</summary>
    public int Warmup { get; init; }

    /// <summary>Timed repetitions.</summary>
    public int Repetitions { get; init; }

    /// <summary>The context (position) the main decode measurement and memory figures use.</summary>
    public int Context { get; init; }

    /// <summary>Seed of the synthetic weights and prompt.</summary>
    public int Seed { get; init; }
}

/// <summary>The architecture numbers that set the work.</summary>
public sealed record ModelShape
{
    /// <summary>Model width.</summary>
    public int Dim { get; init; }

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; }

    /// <summary>Query heads.</summary>
    public int Heads { get; init; }

    /// <summary>Key/value heads.</summary>
    public int KvHeads { get; init; }

    /// <summary>Width of one head.</summary>
    public int HeadDim { get; init; }

    /// <summary>FFN hidden width.</summary>
    public int HiddenDim { get; init; }

    /// <summary>Vocabulary size.</summary>
    public int Vocab { get; init; }

    /// <summary>Sliding window (int.MaxValue: full attention).</summary>
    public int Window { get; init; }

    /// <summary>RoPE base.</summary>
    public double RopeTheta { get; init; }
}

/// <summary>Tokens per second of one phase, over the repetitions.</summary>
public sealed record Throughput
{
    /// <summary>Context the phase ran at (decode: position of the first decoded token; prefill: prompt length).</summary>
    public int Context { get; init; }

    /// <summary>Tokens processed per repetition.</summary>
    public int Tokens { get; init; }

    /// <summary>Tokens per second, one sample per repetition.</summary>
    public required Summary TokensPerSecond { get; init; }

    /// <summary>Milliseconds per token, one sample per repetition.</summary>
    public required Summary MillisecondsPerToken { get; init; }

    /// <summary>Compulsory bytes one token moves (the sum of <see cref="KernelCosts"/> over its launches); 0 when not counted.</summary>
    public long BytesPerToken { get; init; }

    /// <summary>FLOPs one token costs (the sum of <see cref="KernelCosts"/> over a prefill's launches, divided by its tokens); 0 when not counted.</summary>
    public double FlopsPerToken { get; init; }

    /// <summary>The median FLOP/s the phase reached (<see cref="FlopsPerToken"/> times the median tokens/s); null when not counted.</summary>
    public double? FlopsPerSecond => FlopsPerToken > 0 ? FlopsPerToken * TokensPerSecond.Median : null;

    /// <summary>Tokens/s if every byte moved at <paramref name="bytesPerSecond"/>: the roofline bound of a memory-bound phase.</summary>
    public double? BoundTokensPerSecond(double? bytesPerSecond) =>
        BytesPerToken > 0 && bytesPerSecond is > 0 ? bytesPerSecond / BytesPerToken : null;
}

/// <summary>Device memory by purpose, measured from the accelerator's allocation counter.</summary>
public sealed record MemoryUse
{
    /// <summary>The context the cache and scratch are sized for.</summary>
    public int Context { get; init; }

    /// <summary>Weights (linear layers with their scales, embeddings, norms).</summary>
    public long WeightsBytes { get; init; }

    /// <summary>K and V caches (O(window), not O(context)).</summary>
    public long KvCacheBytes { get; init; }

    /// <summary>Activations and attention scratch.</summary>
    public long ScratchBytes { get; init; }

    /// <summary>All three.</summary>
    public long TotalBytes => WeightsBytes + KvCacheBytes + ScratchBytes;
}

/// <summary>Where one decode step's (or one prefill's) time goes, kernel by kernel, from device events.</summary>
public sealed record StepProfile
{
    /// <summary>Position of the profiled token (0 for a prefill from the start).</summary>
    public int Position { get; init; }

    /// <summary>Tokens the profiled pass processed: 1 for a decode step, the prompt length for a prefill.</summary>
    public int Tokens { get; init; } = 1;

    /// <summary>Median device time of the whole step, measured end to end.</summary>
    public double StepMilliseconds { get; init; }

    /// <summary>Each kernel and shape of the step, in launch order.</summary>
    public IReadOnlyList<KernelMeasurement> Kernels { get; init; } = [];
}
