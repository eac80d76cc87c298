using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// The CUDA driver API entry points we use, bound to libcuda.so.1 (installed by the NVIDIA driver,
/// not the toolkit). The <c>_v2</c> names are the ones cuda.h maps the plain names to since CUDA 4
/// (64-bit sizes and pointers). All return a CUresult; 0 is success.
/// </summary>
internal static unsafe partial class CuApi
{
    private const string Library = NativeLibraries.Cuda;

    static CuApi() => NativeLibraries.EnsureResolver();

    /// <summary>Loads libcuda; false when no NVIDIA driver is installed.</summary>
    public static bool IsLibraryAvailable() => NativeLibraries.IsAvailable(Library);

    [LibraryImport(Library)] public static partial int cuInit(uint flags);
    [LibraryImport(Library)] public static partial int cuDriverGetVersion(int* version);
    [LibraryImport(Library)] public static partial int cuGetErrorName(int error, byte** name);
    [LibraryImport(Library)] public static partial int cuGetErrorString(int error, byte** text);

    [LibraryImport(Library)] public static partial int cuDeviceGetCount(int* count);
    [LibraryImport(Library)] public static partial int cuDeviceGet(int* device, int ordinal);
    [LibraryImport(Library)] public static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Library)] public static partial int cuDeviceTotalMem_v2(nuint* bytes, int device);
    [LibraryImport(Library)] public static partial int cuDeviceGetAttribute(int* value, int attribute, int device);

    [LibraryImport(Library)] public static partial int cuDevicePrimaryCtxRetain(nint* context, int device);
    [LibraryImport(Library)] public static partial int cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Library)] public static partial int cuCtxSetCurrent(nint context);
    [LibraryImport(Library)] public static partial int cuCtxPushCurrent_v2(nint context);
    [LibraryImport(Library)] public static partial int cuCtxPopCurrent_v2(nint* context);
    [LibraryImport(Library)] public static partial int cuCtxSynchronize();

    [LibraryImport(Library)] public static partial int cuMemAlloc_v2(ulong* devicePtr, nuint bytes);
    [LibraryImport(Library)] public static partial int cuMemFree_v2(ulong devicePtr);
    [LibraryImport(Library)] public static partial int cuMemsetD8Async(ulong devicePtr, byte value, nuint count, nint stream);
    [LibraryImport(Library)] public static partial int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);
    [LibraryImport(Library)] public static partial int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Library)] public static partial int cuPointerGetAttribute(void* data, int attribute, ulong pointer);

    [LibraryImport(Library)] public static partial int cuStreamCreate(nint* stream, uint flags);
    [LibraryImport(Library)] public static partial int cuStreamDestroy_v2(nint stream);
    [LibraryImport(Library)] public static partial int cuStreamSynchronize(nint stream);

    [LibraryImport(Library)] public static partial int cuEventCreate(nint* evt, uint flags);
    [LibraryImport(Library)] public static partial int cuEventRecord(nint evt, nint stream);
    [LibraryImport(Library)] public static partial int cuEventSynchronize(nint evt);
    [LibraryImport(Library)] public static partial int cuEventElapsedTime(float* milliseconds, nint start, nint end);
    [LibraryImport(Library)] public static partial int cuEventDestroy_v2(nint evt);

    [LibraryImport(Library)] public static partial int cuModuleLoadDataEx(nint* module, void* image, uint numOptions, int* options, void** optionValues);
    [LibraryImport(Library)] public static partial int cuModuleUnload(nint module);
    [LibraryImport(Library)] public static partial int cuModuleGetFunction(nint* function, nint module, byte* name);

    [LibraryImport(Library)]
    public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemBytes, nint stream, void** kernelParams, void** extra);
}
