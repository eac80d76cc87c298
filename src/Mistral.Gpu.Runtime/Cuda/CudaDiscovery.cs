using System.Text;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>Initialises the driver and reads device properties.</summary>
internal static unsafe class CudaDiscovery
{
    /// <summary>One sentence for a missing driver, saying what to install.</summary>
    public const string NoDriver = "No NVIDIA driver found (libcuda.so.1): install the NVIDIA driver; CUDA needs an NVIDIA GPU.";

    /// <summary>Loads libcuda and runs cuInit; returns the number of devices.</summary>
    /// <exception cref="BackendUnavailableException">No driver, a driver that will not initialise, or no device.</exception>
    public static int Initialize()
    {
        if (!CuApi.IsLibraryAvailable()) throw new BackendUnavailableException(BackendKind.Cuda, NoDriver);
        int status = CuApi.cuInit(0);
        if (status == CuConstants.ErrorNoDevice)
            throw new BackendUnavailableException(BackendKind.Cuda, NoDeviceMessage);
        if (status != CuConstants.Success)
            throw new BackendUnavailableException(BackendKind.Cuda,
                $"The NVIDIA driver failed to initialise ({CudaErrors.Describe(status)}): check that `nvidia-smi` works and that the driver matches the kernel module.");
        int count;
        CudaErrors.Check(CuApi.cuDeviceGetCount(&count), "cuDeviceGetCount");
        if (count == 0) throw new BackendUnavailableException(BackendKind.Cuda, NoDeviceMessage);
        return count;
    }

    private const string NoDeviceMessage =
        "The NVIDIA driver sees no CUDA device: check `nvidia-smi`, CUDA_VISIBLE_DEVICES, and that a container was started with GPU access (--gpus).";

    public static int Device(int ordinal)
    {
        int device;
        CudaErrors.Check(CuApi.cuDeviceGet(&device, ordinal), $"cuDeviceGet({ordinal})");
        return device;
    }

    public static int Attribute(int device, int attribute)
    {
        int value;
        CudaErrors.Check(CuApi.cuDeviceGetAttribute(&value, attribute, device), $"cuDeviceGetAttribute({attribute})");
        return value;
    }

    public static (int Major, int Minor) ComputeCapability(int device) =>
        (Attribute(device, CuConstants.AttributeComputeCapabilityMajor), Attribute(device, CuConstants.AttributeComputeCapabilityMinor));

    /// <summary>What the device is, with datasheet peaks when <see cref="KnownDevices"/> lists it.</summary>
    public static AcceleratorInfo Describe(int device)
    {
        byte* name = stackalloc byte[256];
        CudaErrors.Check(CuApi.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
        nuint memory;
        CudaErrors.Check(CuApi.cuDeviceTotalMem_v2(&memory, device), "cuDeviceTotalMem_v2");
        int driver;
        CudaErrors.Check(CuApi.cuDriverGetVersion(&driver), "cuDriverGetVersion");
        var (major, minor) = ComputeCapability(device);
        var info = new AcceleratorInfo
        {
            Backend = BackendKind.Cuda,
            Name = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(name, 256)).TrimEnd('\0').Split('\0')[0].Trim(),
            Vendor = "NVIDIA",
            Platform = $"CUDA driver {driver / 1000}.{driver % 1000 / 10}",
            MemoryBytes = (long)memory,
            ComputeUnits = Attribute(device, CuConstants.AttributeMultiprocessorCount),
            MaxGroupSize = Attribute(device, CuConstants.AttributeMaxThreadsPerBlock),
            SharedMemoryBytes = Attribute(device, CuConstants.AttributeMaxSharedMemoryPerBlock),
            ComputeCapability = $"{major}.{minor}",
        };
        return KnownDevices.WithPeaks(info);
    }
}
