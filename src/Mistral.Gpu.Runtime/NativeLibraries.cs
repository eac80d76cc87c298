using System.Reflection;
using System.Runtime.InteropServices;
using Mistral.Gpu.Runtime.Cuda;

namespace Mistral.Gpu.Runtime;

/// <summary>
/// Resolves the logical library names of our P/Invoke declarations to the files each platform
/// ships. Drivers install versioned names (libOpenCL.so.1, libcuda.so.1, libnvrtc.so.12) and the
/// unversioned ones only come with -dev packages, so we probe a list instead of one name.
/// </summary>
internal static class NativeLibraries
{
    public const string OpenCL = "mistral-opencl";
    public const string Cuda = "mistral-cuda";
    public const string Nvrtc = "mistral-nvrtc";

    private static readonly Dictionary<string, Func<IReadOnlyList<string>>> Candidates = new()
    {
        [OpenCL] = () => ["libOpenCL.so.1", "libOpenCL.so", "OpenCL.dll", "/System/Library/Frameworks/OpenCL.framework/OpenCL"],
        [Cuda] = () => ["libcuda.so.1", "libcuda.so", "nvcuda.dll"],
        [Nvrtc] = () => NvrtcLocator.Candidates(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)),
    };

    private static readonly Dictionary<string, nint> Loaded = [];
    private static readonly Dictionary<string, string> LoadedFrom = [];
    private static readonly Lock Gate = new();
    private static bool registered;

    /// <summary>Installs the resolver for this assembly once; called from the static constructors of the API classes.</summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (registered) return;
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            registered = true;
        }
    }

    /// <summary>True when one of the files behind <paramref name="logicalName"/> loads.</summary>
    public static bool IsAvailable(string logicalName) => TryLoad(logicalName) != 0;

    /// <summary>The path or name that loaded for <paramref name="logicalName"/>, or null when none did.</summary>
    public static string? LoadedPath(string logicalName)
    {
        TryLoad(logicalName);
        lock (Gate) return LoadedFrom.GetValueOrDefault(logicalName);
    }

    /// <summary>Every path and name probed for <paramref name="logicalName"/>, in order.</summary>
    public static IReadOnlyList<string> CandidatesOf(string logicalName) => Candidates[logicalName]();

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        Candidates.ContainsKey(libraryName) ? TryLoad(libraryName) : 0;

    private static nint TryLoad(string logicalName)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(logicalName, out var known)) return known;
            nint handle = 0;
            foreach (var file in Candidates[logicalName]())
            {
                // A full path that is not there costs a stat, not a dlopen.
                if (Path.IsPathRooted(file) && !File.Exists(file)) continue;
                if (logicalName == Nvrtc && Path.IsPathRooted(file) && NvrtcLocator.BuiltinsBeside(file) is { } builtins)
                    NativeLibrary.TryLoad(builtins, out _);
                if (!NativeLibrary.TryLoad(file, out handle)) continue;
                LoadedFrom[logicalName] = file;
                break;
            }
            // Failures are cached too: probing a missing driver on every call would cost a dlopen each time.
            Loaded[logicalName] = handle;
            return handle;
        }
    }
}
