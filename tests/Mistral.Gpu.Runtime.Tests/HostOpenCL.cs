using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// What a host application would do with OpenCL on its own, outside our runtime: create a context,
/// queue and buffers, so tests can lend them to an accelerator and check it never releases them.
/// </summary>
internal static unsafe partial class HostOpenCL
{
    private const string Library = "libOpenCL.so.1";

    public static nint CreateContext(nint device)
    {
        int status;
        nint context = clCreateContext(null, 1, &device, 0, 0, &status);
        if (status != 0) throw new InvalidOperationException($"clCreateContext: {status}");
        return context;
    }

    public static nint CreateQueue(nint context, nint device)
    {
        int status;
        nint queue = clCreateCommandQueue(context, device, 2 /* CL_QUEUE_PROFILING_ENABLE */, &status);
        if (status != 0) throw new InvalidOperationException($"clCreateCommandQueue: {status}");
        return queue;
    }

    public static nint CreateBuffer(nint context, long bytes)
    {
        int status;
        nint mem = clCreateBuffer(context, 1 /* CL_MEM_READ_WRITE */, (nuint)bytes, null, &status);
        if (status != 0) throw new InvalidOperationException($"clCreateBuffer: {status}");
        return mem;
    }

    public static int ReleaseMemObject(nint mem) => clReleaseMemObject(mem);

    public static void RetainMemObject(nint mem)
    {
        int status = clRetainMemObject(mem);
        if (status != 0) throw new InvalidOperationException($"clRetainMemObject: {status}");
    }

    /// <summary>CL_MEM_REFERENCE_COUNT of a memory object the caller holds a reference to.</summary>
    public static uint MemReferenceCount(nint mem)
    {
        uint count;
        int status = clGetMemObjectInfo(mem, 0x1105 /* CL_MEM_REFERENCE_COUNT */, sizeof(uint), &count, null);
        if (status != 0) throw new InvalidOperationException($"clGetMemObjectInfo(CL_MEM_REFERENCE_COUNT): {status}");
        return count;
    }

    /// <summary>A cl_ulong device property, e.g. 0x101F CL_DEVICE_GLOBAL_MEM_SIZE or 0x1010 CL_DEVICE_MAX_MEM_ALLOC_SIZE.</summary>
    public static ulong DeviceULong(nint device, uint parameter)
    {
        ulong value;
        int status = clGetDeviceInfo(device, parameter, sizeof(ulong), &value, null);
        if (status != 0) throw new InvalidOperationException($"clGetDeviceInfo(0x{parameter:X}): {status}");
        return value;
    }

    public static int ReleaseCommandQueue(nint queue) => clReleaseCommandQueue(queue);

    public static int ReleaseContext(nint context) => clReleaseContext(context);

    public static int Finish(nint queue) => clFinish(queue);

    [LibraryImport(Library)] private static partial nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* status);
    [LibraryImport(Library)] private static partial nint clCreateCommandQueue(nint context, nint device, ulong properties, int* status);
    [LibraryImport(Library)] private static partial nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* status);
    [LibraryImport(Library)] private static partial int clReleaseMemObject(nint mem);
    [LibraryImport(Library)] private static partial int clRetainMemObject(nint mem);
    [LibraryImport(Library)] private static partial int clGetMemObjectInfo(nint mem, uint name, nuint size, void* value, nuint* sizeReturned);
    [LibraryImport(Library)] private static partial int clGetDeviceInfo(nint device, uint name, nuint size, void* value, nuint* sizeReturned);
    [LibraryImport(Library)] private static partial int clReleaseCommandQueue(nint queue);
    [LibraryImport(Library)] private static partial int clReleaseContext(nint context);
    [LibraryImport(Library)] private static partial int clFinish(nint queue);
}
