using System.Text;

namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>One OpenCL device as discovery finds it, before any context exists.</summary>
/// <param name="Platform">The cl_platform_id.</param>
/// <param name="Device">The cl_device_id.</param>
/// <param name="PlatformIndex">Position of the platform in clGetPlatformIDs' order.</param>
/// <param name="DeviceIndex">Position of the device within its platform.</param>
/// <param name="Type">The CL_DEVICE_TYPE bits.</param>
internal readonly record struct ClDevice(nint Platform, nint Device, int PlatformIndex, int DeviceIndex, ulong Type)
{
    /// <summary>GPUs first, then accelerators, then CPUs: the order in which "best device" is chosen.</summary>
    public int Rank => (Type & ClConstants.DeviceTypeGpu) != 0 ? 0 : (Type & ClConstants.DeviceTypeAccelerator) != 0 ? 1 : 2;
}

/// <summary>Enumerates platforms and devices and reads their properties.</summary>
internal static unsafe class ClDiscovery
{
    /// <summary>Message used when no ICD answers; one sentence, saying what to install.</summary>
    public const string NoPlatform =
        "No OpenCL platform found: install an ICD, e.g. `apt-get install pocl-opencl-icd ocl-icd-opencl-dev` for CPUs or your GPU vendor's driver.";

    /// <summary>Message used when libOpenCL itself is missing.</summary>
    public const string NoLoader =
        "OpenCL loader libOpenCL.so.1 not found: install it with an ICD, e.g. `apt-get install ocl-icd-libopencl1 pocl-opencl-icd`, or your GPU vendor's driver.";

    /// <summary>Every device of every platform, best first (GPU, accelerator, CPU; then platform and device order).</summary>
    /// <exception cref="BackendUnavailableException">No loader, no platform, or no device.</exception>
    public static IReadOnlyList<ClDevice> RankedDevices()
    {
        if (!ClApi.IsLibraryAvailable()) throw new BackendUnavailableException(BackendKind.OpenCL, NoLoader);
        var platforms = Platforms();
        if (platforms.Length == 0) throw new BackendUnavailableException(BackendKind.OpenCL, NoPlatform);
        var devices = new List<ClDevice>();
        for (int p = 0; p < platforms.Length; p++)
        {
            var ids = Devices(platforms[p]);
            for (int d = 0; d < ids.Length; d++)
                devices.Add(new ClDevice(platforms[p], ids[d], p, d, DeviceValue<ulong>(ids[d], ClConstants.DeviceType)));
        }
        if (devices.Count == 0)
            throw new BackendUnavailableException(BackendKind.OpenCL,
                $"OpenCL found {platforms.Length} platform(s) but no device: check that your GPU driver's ICD (or pocl-opencl-icd for CPUs) is installed and the device is visible to this user.");
        return [.. devices.OrderBy(d => d.Rank).ThenBy(d => d.PlatformIndex).ThenBy(d => d.DeviceIndex)];
    }

    public static nint[] Platforms()
    {
        uint count;
        int status = ClApi.clGetPlatformIDs(0, null, &count);
        // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no vendor driver is registered.
        if (status == ClConstants.PlatformNotFoundKhr || count == 0) return [];
        ClErrors.Check(status, "clGetPlatformIDs");
        var platforms = new nint[count];
        fixed (nint* p = platforms) ClErrors.Check(ClApi.clGetPlatformIDs(count, p, null), "clGetPlatformIDs");
        return platforms;
    }

    public static nint[] Devices(nint platform)
    {
        uint count;
        int status = ClApi.clGetDeviceIDs(platform, ClConstants.DeviceTypeAll, 0, null, &count);
        if (status == ClConstants.DeviceNotFound || count == 0) return [];
        ClErrors.Check(status, "clGetDeviceIDs");
        var devices = new nint[count];
        fixed (nint* d = devices) ClErrors.Check(ClApi.clGetDeviceIDs(platform, ClConstants.DeviceTypeAll, count, d, null), "clGetDeviceIDs");
        return devices;
    }

    public static string PlatformString(nint platform, uint param)
    {
        nuint size;
        ClErrors.Check(ClApi.clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) ClErrors.Check(ClApi.clGetPlatformInfo(platform, param, size, b, null), "clGetPlatformInfo");
        return Decode(bytes);
    }

    public static string DeviceString(nint device, uint param)
    {
        nuint size;
        ClErrors.Check(ClApi.clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) ClErrors.Check(ClApi.clGetDeviceInfo(device, param, size, b, null), "clGetDeviceInfo");
        return Decode(bytes);
    }

    public static T DeviceValue<T>(nint device, uint param) where T : unmanaged
    {
        T value;
        ClErrors.Check(ClApi.clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }

    /// <summary>What the device is, with datasheet peaks when <see cref="KnownDevices"/> lists it.</summary>
    public static AcceleratorInfo Describe(nint platform, nint device)
    {
        string name = DeviceString(device, ClConstants.DeviceName);
        var info = new AcceleratorInfo
        {
            Backend = BackendKind.OpenCL,
            Name = name,
            Vendor = DeviceString(device, ClConstants.DeviceVendor),
            Platform = $"{PlatformString(platform, ClConstants.PlatformName)}, {PlatformString(platform, ClConstants.PlatformVersion)}, driver {DeviceString(device, ClConstants.DriverVersion)}",
            IsCpu = (DeviceValue<ulong>(device, ClConstants.DeviceType) & ClConstants.DeviceTypeCpu) != 0,
            MemoryBytes = (long)DeviceValue<ulong>(device, ClConstants.DeviceGlobalMemSize),
            ComputeUnits = (int)DeviceValue<uint>(device, ClConstants.DeviceMaxComputeUnits),
            MaxGroupSize = (int)Math.Min(int.MaxValue, DeviceValue<nuint>(device, ClConstants.DeviceMaxWorkGroupSize)),
            SharedMemoryBytes = (long)DeviceValue<ulong>(device, ClConstants.DeviceLocalMemSize),
        };
        return KnownDevices.WithPeaks(info);
    }

    private static string Decode(byte[] bytes) => Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
}
