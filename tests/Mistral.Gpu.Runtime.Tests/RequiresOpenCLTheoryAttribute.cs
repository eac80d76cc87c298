using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>The theory counterpart of the shared <c>RequiresOpenCLFact</c>: every row is skipped, with the reason, where no OpenCL platform exists.</summary>
public sealed class RequiresOpenCLTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips unless an OpenCL platform answers.</summary>
    public RequiresOpenCLTheoryAttribute()
    {
        if (OpenCLProbe.Unavailable() is { } reason) Skip = reason;
    }
}
