namespace Mistral.Gpu.Roofline;

/// <summary>One verification case of <c>bench suite</c>: a kernel (or the whole model) on the device against its reference.</summary>
public sealed record VerificationRow
{
    /// <summary>The op family (<c>rmsnorm</c>, <c>attention-decode</c>, ..., or <c>model</c> for the logits check).</summary>
    public string Family { get; init; } = "";

    /// <summary>The case within the family.</summary>
    public string Case { get; init; } = "";

    /// <summary>The shape in the op's terms.</summary>
    public string Shape { get; init; } = "";

    /// <summary>The bound in short.</summary>
    public string Tolerance { get; init; } = "";

    /// <summary>Whether every comparison held.</summary>
    public bool Passed { get; init; }

    /// <summary>|actual - expected| at the element nearest its bound.</summary>
    public double MaxError { get; init; }

    /// <summary>That element's bound (0 for an exact comparison).</summary>
    public double Bound { get; init; }

    /// <summary>The first failure in words; null when it passed.</summary>
    public string? Failure { get; init; }
}

/// <summary>
/// Where a decode token's time goes besides the kernels: at batch 1 a step is ~350 small launches, and the host's
/// share (launch calls, argument checks, the token read back) is what CUDA graphs remove.
/// </summary>
public sealed record HostOverhead
{
    /// <summary>Position of the measured token.</summary>
    public int Position { get; init; }

    /// <summary>Kernel launches one decode token makes (the accelerator's launch counter around one step).</summary>
    public long LaunchesPerToken { get; init; }

    /// <summary>Median wall-clock time of one token, as generation sees it (the greedy token read back).</summary>
    public double WallMillisecondsPerToken { get; init; }

    /// <summary>Sum of the step's kernel times from device events.</summary>
    public double KernelMilliseconds { get; init; }

    /// <summary>The wall time not spent in kernels: launch overhead, gaps and the read back.</summary>
    public double HostMillisecondsPerToken => Math.Max(0, WallMillisecondsPerToken - KernelMilliseconds);

    /// <summary><see cref="HostMillisecondsPerToken"/> as a share of the token's wall time.</summary>
    public double OutsideKernelsShare => WallMillisecondsPerToken > 0 ? HostMillisecondsPerToken / WallMillisecondsPerToken : 0;

    /// <summary>Whether the decode step was captured as a CUDA graph, or why not.</summary>
    public string CudaGraphs { get; init; } = "";
}
