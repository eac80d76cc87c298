using Xunit;

namespace Mistral.Gpu.Tests.Shared;

/// <summary>
/// The theory counterpart of the shared <c>RequiresOpenCLFact</c>: every row is skipped, with the
/// reason, where no OpenCL platform exists — or fails with it where MGPU_REQUIRE_RUNTIMES=1.
/// </summary>
public sealed class RequiresOpenCLTheoryAttribute : TheoryAttribute, IRuntimeRequirement
{
    /// <summary>Skips unless an OpenCL platform answers.</summary>
    public RequiresOpenCLTheoryAttribute()
    {
        MissingReason = OpenCLProbe.Unavailable();
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }
}
