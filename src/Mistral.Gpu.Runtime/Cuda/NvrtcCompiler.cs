using System.Runtime.InteropServices;
using System.Text;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>Compiles CUDA C to PTX with NVRTC for one virtual architecture.</summary>
internal static unsafe class NvrtcCompiler
{
    /// <summary>One sentence for a missing NVRTC, saying what to install.</summary>
    public const string Missing = "NVRTC (libnvrtc.so) not found: install the CUDA toolkit's nvrtc package (e.g. cuda-nvrtc-12-x).";

    /// <summary>Options besides the architecture: C++17 so generated code may use constexpr and auto freely.</summary>
    public static readonly string[] BaseOptions = ["--std=c++17"];

    /// <exception cref="BackendUnavailableException">libnvrtc is not installed.</exception>
    public static void EnsureAvailable()
    {
        if (!NvrtcApi.IsLibraryAvailable()) throw new BackendUnavailableException(BackendKind.Cuda, Missing);
    }

    /// <summary>"12.4": part of the PTX cache key, since another NVRTC may emit other PTX.</summary>
    public static string Version()
    {
        int major, minor;
        Check(NvrtcApi.nvrtcVersion(&major, &minor), "nvrtcVersion");
        return $"{major}.{minor}";
    }

    /// <summary>
    /// "compute_90" for a 9.0 device, lowered to the newest architecture this NVRTC knows when the
    /// device is newer than the toolkit (the driver JIT-compiles older PTX for newer GPUs).
    /// </summary>
    public static string ArchitectureFor(int major, int minor)
    {
        int wanted = major * 10 + minor;
        int[] supported = SupportedArchitectures();
        int chosen = supported.Length == 0 ? wanted : supported.Where(a => a <= wanted).DefaultIfEmpty(supported.Min()).Max();
        return $"compute_{chosen}";
    }

    private static int[] SupportedArchitectures()
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
            // NVRTC before 11.2 cannot list its architectures; trust the device's.
            return [];
        }
    }

    /// <summary>The PTX text for <paramref name="source"/>.</summary>
    /// <exception cref="KernelCompilationException">NVRTC rejected the source; the log names the kernel and carries NVRTC's log.</exception>
    public static string CompileToPtx(string source, string kernelName, string variantLabel, string programName, string architecture)
    {
        nint program;
        byte[] sourceBytes = Utf8(source), nameBytes = Utf8(programName);
        fixed (byte* s = sourceBytes)
        fixed (byte* n = nameBytes)
            Check(NvrtcApi.nvrtcCreateProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram");
        try
        {
            string[] options = [$"--gpu-architecture={architecture}", .. BaseOptions];
            byte[][] optionBytes = [.. options.Select(Utf8)];
            var handles = optionBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
            int status;
            try
            {
                byte** pointers = stackalloc byte*[options.Length];
                for (int i = 0; i < options.Length; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                status = NvrtcApi.nvrtcCompileProgram(program, options.Length, pointers);
            }
            finally
            {
                foreach (var h in handles) h.Free();
            }
            if (status != 0)
                throw new KernelCompilationException(kernelName, BackendKind.Cuda,
                    $"kernel {variantLabel}: nvrtcCompileProgram returned {ErrorText(status)} with options '{string.Join(' ', options)}'.{Environment.NewLine}{Log(program)}");
            nuint size;
            Check(NvrtcApi.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
            var ptx = new byte[(int)size];
            fixed (byte* p = ptx) Check(NvrtcApi.nvrtcGetPTX(program, p), "nvrtcGetPTX");
            return Encoding.UTF8.GetString(ptx).TrimEnd('\0');
        }
        finally
        {
            NvrtcApi.nvrtcDestroyProgram(&program);
        }
    }

    private static string Log(nint program)
    {
        nuint size;
        if (NvrtcApi.nvrtcGetProgramLogSize(program, &size) != 0 || size <= 1) return "(NVRTC returned no log)";
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
