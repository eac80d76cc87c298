using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// NVRTC, NVIDIA's runtime CUDA C++ compiler, bound to whichever libnvrtc the toolkit installed
/// (12.x, 13.x, 11.2+; see <see cref="NativeLibraries"/>). All return an nvrtcResult; 0 is success.
/// </summary>
internal static unsafe partial class NvrtcApi
{
    private const string Library = NativeLibraries.Nvrtc;

    /// <summary>NVRTC_ERROR_COMPILATION: the source did not compile; the program log says why.</summary>
    public const int ErrorCompilation = 6;

    static NvrtcApi() => NativeLibraries.EnsureResolver();

    /// <summary>Loads libnvrtc; false when the CUDA toolkit's nvrtc package is missing.</summary>
    public static bool IsLibraryAvailable() => NativeLibraries.IsAvailable(Library);

    [LibraryImport(Library)] public static partial int nvrtcVersion(int* major, int* minor);
    [LibraryImport(Library)] public static partial int nvrtcGetNumSupportedArchs(int* count);
    [LibraryImport(Library)] public static partial int nvrtcGetSupportedArchs(int* archs);
    [LibraryImport(Library)] public static partial byte* nvrtcGetErrorString(int result);

    [LibraryImport(Library)]
    public static partial int nvrtcCreateProgram(nint* program, byte* source, byte* name, int numHeaders, byte** headers, byte** includeNames);

    [LibraryImport(Library)] public static partial int nvrtcDestroyProgram(nint* program);
    [LibraryImport(Library)] public static partial int nvrtcCompileProgram(nint program, int numOptions, byte** options);
    [LibraryImport(Library)] public static partial int nvrtcGetPTXSize(nint program, nuint* size);
    [LibraryImport(Library)] public static partial int nvrtcGetPTX(nint program, byte* ptx);
    [LibraryImport(Library)] public static partial int nvrtcGetCUBINSize(nint program, nuint* size);
    [LibraryImport(Library)] public static partial int nvrtcGetCUBIN(nint program, byte* cubin);
    [LibraryImport(Library)] public static partial int nvrtcGetProgramLogSize(nint program, nuint* size);
    [LibraryImport(Library)] public static partial int nvrtcGetProgramLog(nint program, byte* log);
}
