namespace Mistral.Gpu.Runtime;

/// <summary>A backend compiler rejected a kernel; <see cref="Log"/> holds its build log.</summary>
public sealed class KernelCompilationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KernelCompilationException(string kernel, BackendKind backend, string log)
        : base($"{backend} could not compile kernel {kernel}:{Environment.NewLine}{log}")
    {
        Kernel = kernel;
        Backend = backend;
        Log = log;
    }

    /// <summary>The kernel's name.</summary>
    public string Kernel { get; }

    /// <summary>The backend whose compiler failed.</summary>
    public BackendKind Backend { get; }

    /// <summary>The compiler's log.</summary>
    public string Log { get; }
}
