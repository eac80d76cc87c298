using System.Runtime.InteropServices;
using Xunit;

namespace Mistral.Gpu.Tests.Shared;

/// <summary>
/// A fact that runs only where an OpenCL platform exists (an ICD such as PoCL behind
/// libOpenCL.so.1), and otherwise shows as SKIPPED saying what is missing — or, where
/// MGPU_REQUIRE_RUNTIMES=1, FAILS saying it (see <see cref="RuntimeRequirement"/>).
/// </summary>
public sealed class RequiresOpenCLFactAttribute : FactAttribute, IRuntimeRequirement
{
    /// <summary>Skips unless at least one OpenCL platform answers.</summary>
    public RequiresOpenCLFactAttribute()
    {
        MissingReason = OpenCLProbe.Unavailable();
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }
}

/// <summary>Asks the OpenCL ICD loader how many platforms it has, without the OpenCL backend.</summary>
public static class OpenCLProbe
{
    private static readonly Lazy<string?> reason = new(Probe);

    /// <summary>Why OpenCL cannot run here, or null when a platform exists.</summary>
    public static string? Unavailable() => reason.Value;

    private static string? Probe()
    {
        string library = OperatingSystem.IsWindows() ? "OpenCL.dll" : OperatingSystem.IsMacOS() ? "/System/Library/Frameworks/OpenCL.framework/OpenCL" : "libOpenCL.so.1";
        if (!NativeLibrary.TryLoad(library, out var handle))
            return $"{library} not found: install an OpenCL ICD loader and driver (Debian/Ubuntu: apt-get install ocl-icd-libopencl1 pocl-opencl-icd)";
        try
        {
            if (!NativeLibrary.TryGetExport(handle, "clGetPlatformIDs", out var export))
                return $"{library} has no clGetPlatformIDs export";
            uint count = 0;
            int status;
            unsafe
            {
                var getPlatformIds = (delegate* unmanaged<uint, nint*, uint*, int>)export;
                status = getPlatformIds(0, null, &count);
            }
            return status == 0 && count > 0
                ? null
                : $"no OpenCL platform (clGetPlatformIDs returned {status}, {count} platforms): install a driver, e.g. apt-get install pocl-opencl-icd";
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }
}
