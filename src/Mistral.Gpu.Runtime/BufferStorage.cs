using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime;

/// <summary>
/// The native memory behind a buffer (host pointer, CUdeviceptr or cl_mem), released exactly once
/// by its backend. Memory a host lends us is wrapped with <c>ownsHandle: false</c> and never freed.
/// </summary>
public abstract class BufferStorage : SafeHandle
{
    /// <summary>Wraps <paramref name="handle"/>.</summary>
    protected BufferStorage(nint handle, bool ownsHandle) : base(0, ownsHandle) => SetHandle(handle);

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;
}
