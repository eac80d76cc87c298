using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>
/// An OpenCL object released exactly once. Objects a host lends us (its context, queue) are
/// wrapped with <c>ownsHandle: false</c> and never released by us. OpenCL reference-counts
/// internally, so releasing a context before the queues or buffers made from it is safe.
/// </summary>
internal abstract class ClHandle : SafeHandle
{
    protected ClHandle(nint handle, bool ownsHandle) : base(0, ownsHandle) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw handle for a call; throws once released, so a disposed object is never passed to the driver.</summary>
    public nint Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }
}

internal sealed class ClContextHandle(nint handle, bool ownsHandle) : ClHandle(handle, ownsHandle)
{
    protected override bool ReleaseHandle() => ClApi.clReleaseContext(handle) == ClConstants.Success;
}

internal sealed class ClQueueHandle(nint handle, bool ownsHandle) : ClHandle(handle, ownsHandle)
{
    protected override bool ReleaseHandle() => ClApi.clReleaseCommandQueue(handle) == ClConstants.Success;
}

internal sealed class ClProgramHandle(nint handle) : ClHandle(handle, ownsHandle: true)
{
    protected override bool ReleaseHandle() => ClApi.clReleaseProgram(handle) == ClConstants.Success;
}

internal sealed class ClKernelHandle(nint handle) : ClHandle(handle, ownsHandle: true)
{
    protected override bool ReleaseHandle() => ClApi.clReleaseKernel(handle) == ClConstants.Success;
}

internal sealed class ClEventHandle(nint handle) : ClHandle(handle, ownsHandle: true)
{
    protected override bool ReleaseHandle() => ClApi.clReleaseEvent(handle) == ClConstants.Success;
}

/// <summary>A cl_mem behind a <see cref="DeviceBuffer"/>; a lent one (<c>ownsHandle: false</c>) is never released.</summary>
internal sealed class ClBuffer(nint memObject, bool ownsHandle) : BufferStorage(memObject, ownsHandle)
{
    protected override bool ReleaseHandle() => ClApi.clReleaseMemObject(handle) == ClConstants.Success;
}
