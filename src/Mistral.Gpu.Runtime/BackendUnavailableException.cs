namespace Mistral.Gpu.Runtime;

/// <summary>The backend asked for has no usable device here; the message says what is missing and how to get it.</summary>
public sealed class BackendUnavailableException(BackendKind backend, string message) : Exception(message)
{
    /// <summary>The backend that was asked for.</summary>
    public BackendKind Backend { get; } = backend;
}
