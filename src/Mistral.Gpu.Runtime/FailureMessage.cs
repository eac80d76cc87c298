using System.Runtime.CompilerServices;

namespace Mistral.Gpu.Runtime;

/// <summary>
/// The message of a native call's status check, formatted only when the call failed: every launch checks several
/// calls, and an eagerly built message for each (kernel, argument, index) was most of what a decode step allocated.
/// Success is 0 for the CUDA driver, NVRTC and OpenCL alike.
/// </summary>
[InterpolatedStringHandler]
internal ref struct FailureMessage
{
    private DefaultInterpolatedStringHandler text;

    public FailureMessage(int literalLength, int formattedCount, int status, out bool failed)
    {
        failed = status != 0;
        text = failed ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => text.AppendFormatted(value);

    /// <summary>The formatted message (only meaningful after a failure).</summary>
    public string ToStringAndClear() => text.ToStringAndClear();
}
