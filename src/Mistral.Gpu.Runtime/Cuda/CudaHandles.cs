using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// A device's primary context, retained once per accelerator and released when the last object
/// made in it (buffer, stream, event, module) is gone: those hold a reference on this handle, so
/// even finalizers running in any order never free memory after its context died.
/// </summary>
internal sealed unsafe class CudaContextHandle : SafeHandle
{
    public CudaContextHandle(nint context, int device) : base(0, ownsHandle: true)
    {
        SetHandle(context);
        Device = device;
    }

    public int Device { get; }

    public override bool IsInvalid => handle == 0;

    public nint Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    /// <summary>Runs a release call with the context current on this thread (finalizers run on a thread with none).</summary>
    public int RunCurrent(Func<int> call)
    {
        if (CuApi.cuCtxPushCurrent_v2(handle) != CuConstants.Success) return call();
        try { return call(); }
        finally
        {
            nint popped;
            CuApi.cuCtxPopCurrent_v2(&popped);
        }
    }

    protected override bool ReleaseHandle() => CuApi.cuDevicePrimaryCtxRelease_v2(Device) == CuConstants.Success;
}

/// <summary>A CUDA object made in a context; it keeps the context alive and is released with the context current.</summary>
internal abstract class CudaChildHandle : SafeHandle
{
    private readonly CudaContextHandle? context;

    protected CudaChildHandle(nint handle, bool ownsHandle, CudaContextHandle context) : base(0, ownsHandle)
    {
        SetHandle(handle);
        if (!ownsHandle) return;
        bool added = false;
        context.DangerousAddRef(ref added);
        this.context = context;
    }

    public override bool IsInvalid => handle == 0;

    public nint Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    protected abstract int Release(nint value);

    protected override bool ReleaseHandle()
    {
        try { return context!.RunCurrent(() => Release(handle)) == CuConstants.Success; }
        finally { context!.DangerousRelease(); }
    }
}

internal sealed class CudaStreamHandle(nint stream, bool ownsHandle, CudaContextHandle context) : CudaChildHandle(stream, ownsHandle, context)
{
    protected override int Release(nint value) => CuApi.cuStreamDestroy_v2(value);
}

internal sealed class CudaEventHandle(nint evt, CudaContextHandle context) : CudaChildHandle(evt, ownsHandle: true, context)
{
    protected override int Release(nint value) => CuApi.cuEventDestroy_v2(value);
}

internal sealed class CudaModuleHandle(nint module, CudaContextHandle context) : CudaChildHandle(module, ownsHandle: true, context)
{
    protected override int Release(nint value) => CuApi.cuModuleUnload(value);
}

/// <summary>A CUdeviceptr behind a <see cref="DeviceBuffer"/>; a lent one (<c>ownsHandle: false</c>) is never freed and holds no context reference.</summary>
internal sealed class CudaMemory : BufferStorage
{
    private readonly CudaContextHandle? context;

    public CudaMemory(ulong devicePointer, bool ownsHandle, CudaContextHandle context) : base((nint)devicePointer, ownsHandle)
    {
        if (!ownsHandle) return;
        bool added = false;
        context.DangerousAddRef(ref added);
        this.context = context;
    }

    protected override bool ReleaseHandle()
    {
        try { return context!.RunCurrent(() => CuApi.cuMemFree_v2((ulong)handle)) == CuConstants.Success; }
        finally { context!.DangerousRelease(); }
    }
}
