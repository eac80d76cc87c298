// Machine code assembled at run time (Iced's assembler) for the CPU bodies that need an instruction .NET 10 does
// not expose: 512-bit vpdpbusd (AVX512-VNNI) on CPUs without AVX-VNNI, AMD Zen 4 and Intel Ice Lake or Skylake
// servers among them; their only vpdpbusd is EVEX-encoded, which .NET's AvxVnni class cannot emit (AvxVnni.V512 comes
// in .NET 11). The code lives in its own pages, written while they are read-write and then made read-execute
// (never both), and is freed with its handle.
//
// Register rules the assembled functions follow, so one body serves both x64 conventions: the one argument (a
// pointer to an argument block) arrives in rdi (System V) or rcx (Windows), and the bodies use only zmm0-5 and
// zmm16-31 (xmm6-15 are callee-saved on Windows) and general registers that both treat as volatile, or save them.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Iced.Intel;

namespace Mistral.Gpu.Kernels;

/// <summary>One assembled function in executable memory, freed on dispose.</summary>
internal sealed class ExecutableCode : SafeHandle
{
    private readonly nuint size;

    private ExecutableCode(nint pages, nuint size) : base(0, ownsHandle: true)
    {
        SetHandle(pages);
        this.size = size;
    }

    /// <summary>The function's first instruction.</summary>
    public nint Entry => handle;

    public override bool IsInvalid => handle == 0;

    /// <summary>
    /// Whether this process can run <see cref="Assemble"/>'s code with 512-bit vpdpbusd: x64 Linux or Windows, AVX-512BW
    /// with the OS saving zmm state (which .NET checks), and the AVX512-VNNI bit of CPUID leaf 7 (ECX bit 11).
    /// </summary>
    public static bool HasAvx512Vnni { get; } = Avx512BW.IsSupported && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()) && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;

    /// <summary>The register the argument block's address arrives in, under this OS's x64 calling convention.</summary>
    public static AssemblerRegister64 Argument => OperatingSystem.IsWindows() ? AssemblerRegisters.rcx : AssemblerRegisters.rdi;

    /// <summary>
    /// Where <see cref="HasAvx512Vnni"/>, the code <paramref name="build"/> writes, in fresh read-execute pages; null
    /// elsewhere, or where the OS refuses executable pages (a policy such as SELinux's deny_execmem), so the caller
    /// keeps to .NET's own instructions.
    /// </summary>
    public static ExecutableCode? TryAssemble(Func<Assembler> build)
    {
        if (!HasAvx512Vnni) return null;
        try
        {
            return Assemble(build());
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Assembles <paramref name="assembler"/>'s instructions into fresh read-execute pages.</summary>
    private static ExecutableCode Assemble(Assembler assembler)
    {
        using var stream = new MemoryStream();
        assembler.Assemble(new StreamCodeWriter(stream), 0);
        var bytes = stream.ToArray();
        nuint size = (nuint)((bytes.Length + 4095) & ~4095);
        nint pages = OperatingSystem.IsWindows() ? Windows.VirtualAlloc(0, size, Windows.CommitReserve, Windows.ReadWrite) : Posix.mmap(0, size, Posix.Read | Posix.Write, Posix.PrivateAnonymous, -1, 0);
        if (pages == 0 || pages == -1) throw new InvalidOperationException($"Could not map {size} bytes for assembled code (error {Marshal.GetLastPInvokeError()}).");
        var code = new ExecutableCode(pages, size);
        Marshal.Copy(bytes, 0, pages, bytes.Length);
        bool executable = OperatingSystem.IsWindows()
            ? Windows.VirtualProtect(pages, size, Windows.ExecuteRead, out _) && Windows.FlushInstructionCache(Windows.GetCurrentProcess(), pages, size)
            : Posix.mprotect(pages, size, Posix.Read | Posix.Execute) == 0;
        if (!executable)
        {
            int error = Marshal.GetLastPInvokeError();
            code.Dispose();
            throw new InvalidOperationException($"Could not make assembled code executable (error {error}).");
        }
        return code;
    }

    protected override bool ReleaseHandle() => OperatingSystem.IsWindows() ? Windows.VirtualFree(handle, 0, Windows.Release) : Posix.munmap(handle, size) == 0;

    private static class Posix
    {
        public const int Read = 1, Write = 2, Execute = 4;

        /// <summary>MAP_PRIVATE | MAP_ANONYMOUS on Linux.</summary>
        public const int PrivateAnonymous = 0x22;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int mprotect(nint address, nuint length, int protection);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint address, nuint length);
    }

    private static class Windows
    {
        public const uint CommitReserve = 0x3000, Release = 0x8000, ReadWrite = 0x04, ExecuteRead = 0x20;

        [DllImport("kernel32", SetLastError = true)]
        public static extern nint VirtualAlloc(nint address, nuint size, uint type, uint protection);

        [DllImport("kernel32", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool VirtualProtect(nint address, nuint size, uint protection, out uint previous);

        [DllImport("kernel32", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool VirtualFree(nint address, nuint size, uint type);

        [DllImport("kernel32", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool FlushInstructionCache(nint process, nint address, nuint size);

        [DllImport("kernel32")]
        public static extern nint GetCurrentProcess();
    }
}
