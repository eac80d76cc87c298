using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.Cpu;

/// <summary>64-byte aligned native memory for CPU buffers, so vector loads never straddle cache lines.</summary>
internal sealed unsafe class CpuMemory : BufferStorage
{
    public CpuMemory(long bytes) : base(Allocate(bytes), ownsHandle: true)
    {
    }

    private static nint Allocate(long bytes)
    {
        var pointer = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        if (pointer is null) throw new OutOfMemoryException($"Could not allocate {bytes} bytes of host memory.");
        NativeMemory.Clear(pointer, (nuint)bytes);
        return (nint)pointer;
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
