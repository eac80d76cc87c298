using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.Cpu;

/// <summary>
/// 64-byte aligned native memory for CPU buffers, so vector loads never straddle cache lines. Buffers of 2 MiB or more
/// are 2 MiB aligned and, on Linux, advised as transparent huge pages: a decode step streams every weight once, and
/// with 4 KiB pages each page is a TLB miss, which a VM walks through two sets of page tables.
/// </summary>
internal sealed unsafe partial class CpuMemory : BufferStorage
{
    /// <summary>A transparent huge page on x86-64 and arm64 Linux; also the alignment of buffers at least this large.</summary>
    internal const long HugePageBytes = 2 << 20;

    /// <summary>madvise's MADV_HUGEPAGE (linux/mman.h).</summary>
    private const int MadviseHugePage = 14;

    public CpuMemory(long bytes) : base(Allocate(bytes), ownsHandle: true)
    {
    }

    private static nint Allocate(long bytes)
    {
        bool huge = bytes >= HugePageBytes;
        var pointer = NativeMemory.AlignedAlloc((nuint)bytes, huge ? (nuint)HugePageBytes : 64);
        if (pointer is null) throw new OutOfMemoryException($"Could not allocate {bytes} bytes of host memory.");
        // Advice only: where the kernel has no transparent huge pages (or says "never"), the call fails and 4 KiB pages
        // serve as before. It must come before the first touch, which is the clear below.
        if (huge && OperatingSystem.IsLinux()) _ = Madvise((nint)pointer, (nuint)(bytes / HugePageBytes * HugePageBytes), MadviseHugePage);
        NativeMemory.Clear(pointer, (nuint)bytes);
        return (nint)pointer;
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
