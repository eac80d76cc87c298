using System.Diagnostics;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels.Parity;

/// <summary>
/// One row of the parity table: an op, a shape, the tolerance it is held to and why that tolerance, and the body that
/// runs the op on an accelerator and compares it with the op's scalar reference.
/// </summary>
/// <param name="Family">The op family (its folder under kernels/), e.g. <c>rmsnorm</c>, <c>attention-decode</c>.</param>
/// <param name="Name">The case within the family, unique there.</param>
/// <param name="Shape">The shape in the op's own terms (rows x dim, N x K, heads and window...).</param>
/// <param name="Tolerance">The bound in short, e.g. <c>2e-5 + 1e-4·|y|</c> or <c>exact</c>.</param>
/// <param name="Why">Why that bound: what rounding it allows and what error it still catches.</param>
/// <param name="Body">Runs the op on the accelerator and records its comparisons.</param>
public sealed record ParityCase(string Family, string Name, string Shape, string Tolerance, string Why, Action<Accelerator, ParityCheck> Body)
{
    /// <summary>The backends (by the caller's name) this row does not run on, each with why.</summary>
    public IReadOnlyDictionary<string, string> NotOn { get; init; } = new Dictionary<string, string>();

    /// <summary>"family: name", unique in the table.</summary>
    public string Id => $"{Family}: {Name}";

    /// <summary>Whether the row runs on <paramref name="backend"/>.</summary>
    public bool AppliesTo(string backend) => !NotOn.ContainsKey(backend);

    /// <summary>Runs the case on <paramref name="accelerator"/>; an exception is a failure of the case, not of the caller.</summary>
    /// <param name="accelerator">Where to run it (driven by this thread alone while the case runs).</param>
    /// <param name="backend">The backend's name, for the result.</param>
    public ParityResult Run(Accelerator accelerator, string backend)
    {
        var check = new ParityCheck();
        var clock = Stopwatch.StartNew();
        Exception? error = null;
        try
        {
            Body(accelerator, check);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e;
            check.Fail($"{e.GetType().Name}: {e.Message}");
        }
        return new ParityResult(this, backend, check.MaxError, check.Bound, check.Failure, error, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public override string ToString() => Id;
}
