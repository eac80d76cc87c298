namespace Mistral.Gpu.Kernels.Parity;

/// <summary>One parity case run on one backend.</summary>
/// <param name="Case">The row of <see cref="ParityTable"/>.</param>
/// <param name="Backend">The backend it ran on, as the caller names it.</param>
/// <param name="MaxError">|actual - expected| at the element nearest its bound.</param>
/// <param name="Bound">That element's bound (0 where the comparison is exact).</param>
/// <param name="Failure">The first failure in words; null when the case passed.</param>
/// <param name="Error">The exception the case threw, if it threw (its message is in <paramref name="Failure"/>).</param>
/// <param name="Seconds">How long the case took, host and device together.</param>
public sealed record ParityResult(ParityCase Case, string Backend, double MaxError, double Bound, string? Failure, Exception? Error, double Seconds)
{
    /// <summary>True when every comparison of the case held.</summary>
    public bool Passed => Failure is null;
}
