using System.Runtime.InteropServices;
using System.Text;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>Compiles CUDA C with NVRTC to CUBIN for a real architecture or PTX for a virtual one.</summary>
internal static unsafe class NvrtcCompiler
{
    /// <summary>Options besides the architecture: C++17 so generated code may use constexpr and auto freely.</summary>
    public static readonly string[] BaseOptions = ["--std=c++17"];

    /// <summary>The option that makes ptxas write registers, spills and shared memory per kernel into the program log.</summary>
    public const string VerboseOption = "--ptxas-options=-v";

    /// <summary>
    /// One paragraph for a missing NVRTC: the folders probed, and how to get it (the toolkit's
    /// nvrtc package, pip's nvidia-cuda-nvrtc wheel, or tools/fetch-nvrtc.sh with no install).
    /// </summary>
    public static string Missing()
    {
        var tried = NativeLibraries.CandidatesOf(NativeLibraries.Nvrtc);
        var folders = tried.Where(Path.IsPathRooted).Select(Path.GetDirectoryName).Distinct().ToList();
        return $"NVRTC not found: tried {string.Join(", ", NvrtcLocator.FileNames)} in {string.Join(", ", folders)} and on the loader's path. "
             + $"Install the CUDA toolkit's nvrtc package (e.g. cuda-nvrtc-12-x) or pip's nvidia-cuda-nvrtc-cu12, set {NvrtcLocator.PathVariable} "
             + "to the library or its folder, or run tools/fetch-nvrtc.sh (Debian's libnvrtc unpacked into a cache folder, nothing installed).";
    }

    /// <exception cref="BackendUnavailableException">libnvrtc is not installed.</exception>
    public static void EnsureAvailable()
    {
        if (!NvrtcApi.IsLibraryAvailable()) throw new BackendUnavailableException(BackendKind.Cuda, Missing());
    }

    /// <summary>NVRTC's version.</summary>
    public static (int Major, int Minor) VersionNumbers()
    {
        int major, minor;
        Check(NvrtcApi.nvrtcVersion(&major, &minor), "nvrtcVersion");
        return (major, minor);
    }

    /// <summary>"12.4": part of the cache key, since another NVRTC may emit other code.</summary>
    public static string Version()
    {
        var (major, minor) = VersionNumbers();
        return $"{major}.{minor}";
    }

    /// <summary>The real architectures this NVRTC compiles for (80 for sm_80); empty before NVRTC 11.2, which cannot list them.</summary>
    public static int[] SupportedArchitectures()
    {
        try
        {
            int count;
            if (NvrtcApi.nvrtcGetNumSupportedArchs(&count) != 0 || count <= 0) return [];
            var archs = new int[count];
            fixed (int* a = archs) if (NvrtcApi.nvrtcGetSupportedArchs(a) != 0) return [];
            return archs;
        }
        catch (EntryPointNotFoundException)
        {
            return [];
        }
    }

    /// <summary>What <see cref="Compile"/> made: the image the driver loads (CUBIN, or PTX text as UTF-8), and NVRTC's log.</summary>
    /// <param name="Image">CUBIN bytes, or the PTX without its terminating zero.</param>
    /// <param name="Log">NVRTC's program log: warnings, and ptxas's report when <see cref="VerboseOption"/> was given.</param>
    public readonly record struct Output(byte[] Image, string Log);

    /// <summary>Compiles <paramref name="source"/> for <paramref name="target"/>.</summary>
    /// <param name="source">The CUDA C, specialization defines included.</param>
    /// <param name="kernelName">The kernel, for the error.</param>
    /// <param name="variantLabel">The variant, for the error.</param>
    /// <param name="programName">The file name NVRTC's messages use.</param>
    /// <param name="target">CUBIN for <c>sm_XX</c> or PTX for <c>compute_XX</c>.</param>
    /// <param name="extraOptions">Options after <see cref="BaseOptions"/>, such as <see cref="VerboseOption"/>.</param>
    /// <exception cref="KernelCompilationException">NVRTC rejected the source; the message names the variant and carries NVRTC's log.</exception>
    public static Output Compile(string source, string kernelName, string variantLabel, string programName, NvrtcTarget target, params string[] extraOptions)
    {
        nint program;
        byte[] sourceBytes = Utf8(source), nameBytes = Utf8(programName);
        fixed (byte* s = sourceBytes)
        fixed (byte* n = nameBytes)
            Check(NvrtcApi.nvrtcCreateProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram");
        try
        {
            string[] options = [$"--gpu-architecture={target.Option}", .. BaseOptions, .. extraOptions];
            int status = CompileProgram(program, options);
            if (status != 0)
                throw new KernelCompilationException(kernelName, BackendKind.Cuda,
                    $"kernel {variantLabel}: nvrtcCompileProgram returned {ErrorText(status)} with options '{string.Join(' ', options)}'.{Environment.NewLine}{(Log(program) is { Length: > 0 } log ? log : "(NVRTC returned no log)")}");
            byte[] image = target.Cubin ? Cubin(program) : Ptx(program);
            return new Output(image, Log(program));
        }
        finally
        {
            NvrtcApi.nvrtcDestroyProgram(&program);
        }
    }

    private static int CompileProgram(nint program, string[] options)
    {
        byte[][] optionBytes = [.. options.Select(Utf8)];
        var handles = optionBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        try
        {
            byte** pointers = stackalloc byte*[options.Length];
            for (int i = 0; i < options.Length; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
            return NvrtcApi.nvrtcCompileProgram(program, options.Length, pointers);
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }

    private static byte[] Ptx(nint program)
    {
        nuint size;
        Check(NvrtcApi.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
        var ptx = new byte[(int)size];
        fixed (byte* p = ptx) Check(NvrtcApi.nvrtcGetPTX(program, p), "nvrtcGetPTX");
        int end = Array.IndexOf(ptx, (byte)0);
        return end < 0 ? ptx : ptx[..end];
    }

    private static byte[] Cubin(nint program)
    {
        nuint size;
        Check(NvrtcApi.nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize");
        var cubin = new byte[(int)size];
        fixed (byte* c = cubin) Check(NvrtcApi.nvrtcGetCUBIN(program, c), "nvrtcGetCUBIN");
        return cubin;
    }

    private static string Log(nint program)
    {
        nuint size;
        if (NvrtcApi.nvrtcGetProgramLogSize(program, &size) != 0 || size <= 1) return "";
        var log = new byte[(int)size];
        fixed (byte* l = log) if (NvrtcApi.nvrtcGetProgramLog(program, l) != 0) return "(NVRTC's log could not be read)";
        return Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
    }

    private static string ErrorText(int status) => Marshal.PtrToStringUTF8((nint)NvrtcApi.nvrtcGetErrorString(status)) ?? $"nvrtcResult {status}";

    private static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed: {ErrorText(status)}.");
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");
}
