namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// Whether the driver can load what this NVRTC emits. PTX carries an ISA version the driver's JIT
/// must know: PTX from NVRTC 12.4 fails on a 12.2 driver with CUDA_ERROR_UNSUPPORTED_PTX_VERSION.
/// CUBIN only needs the same major release (CUDA's minor-version compatibility).
/// </summary>
internal static class CudaVersionCheck
{
    /// <summary>
    /// Why code compiled by NVRTC <paramref name="nvrtcMajor"/>.<paramref name="nvrtcMinor"/> for
    /// <paramref name="target"/> will not load on a driver reporting <paramref name="driverVersion"/>
    /// (cuDriverGetVersion: 12040 for 12.4), or null when it will.
    /// </summary>
    public static string? Problem(int driverVersion, int nvrtcMajor, int nvrtcMinor, NvrtcTarget target)
    {
        int driverMajor = driverVersion / 1000, driverMinor = driverVersion % 1000 / 10;
        string driver = $"{driverMajor}.{driverMinor}", nvrtc = $"{nvrtcMajor}.{nvrtcMinor}";
        if (driverMajor < nvrtcMajor)
            return $"The NVIDIA driver supports CUDA {driver}, older than NVRTC {nvrtc}: code it compiles will not load. "
                 + $"Update the driver, or point {NvrtcLocator.PathVariable} at an NVRTC {driverMajor}.x.";
        if (!target.Cubin && (driverMajor, driverMinor).CompareTo((nvrtcMajor, nvrtcMinor)) < 0)
            return $"The NVIDIA driver supports CUDA {driver}, older than NVRTC {nvrtc}, and this NVRTC cannot emit CUBIN for the device "
                 + $"(only PTX for {target.Option}, which the driver would refuse with CUDA_ERROR_UNSUPPORTED_PTX_VERSION). "
                 + $"Update the driver, or point {NvrtcLocator.PathVariable} at an NVRTC no newer than {driver}.";
        return null;
    }
}
