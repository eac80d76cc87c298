namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// Where libnvrtc may be: the toolkit is often not on the loader's path (a tarball in
/// /usr/local/cuda, a conda or pip wheel, Debian's package unpacked into a folder), so folders are
/// probed before the bare names. Every path tried is kept for the error message.
/// </summary>
/// <remarks>
/// Order: <c>MGPU_NVRTC_PATH</c> (the library file or its folder), <c>$CUDA_HOME</c> and
/// <c>$CUDA_PATH</c> (<c>lib64</c>, <c>lib</c>), <c>/usr/local/cuda/lib64</c>, pip's
/// <c>nvidia/cuda_nvrtc/lib</c> in the active virtual environment, the user's and the system's
/// site-packages, the folder <c>tools/fetch-nvrtc</c> unpacks Debian's package into
/// (<c>$XDG_CACHE_HOME/mistral-gpu/nvrtc</c>), and last the loader's own search by name.
/// </remarks>
internal static class NvrtcLocator
{
    /// <summary>The variable naming a libnvrtc file, or a folder holding one.</summary>
    public const string PathVariable = "MGPU_NVRTC_PATH";

    /// <summary>The library's file names, newest major first; the loader's search is tried with these last.</summary>
    public static readonly string[] FileNames = OperatingSystem.IsWindows()
        ? ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"]
        : ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"];

    /// <summary>Where Debian's libnvrtc folder ends up below the unpack root of tools/fetch-nvrtc.</summary>
    private static readonly string[] DebianLibraryFolders = ["usr/lib/x86_64-linux-gnu", "usr/lib/aarch64-linux-gnu"];

    /// <summary>
    /// The candidates in probing order: full paths first, then bare file names for the loader.
    /// <paramref name="environment"/> reads a variable; <paramref name="home"/> is the user's home folder.
    /// </summary>
    public static IReadOnlyList<string> Candidates(Func<string, string?> environment, string home)
    {
        var paths = new List<string>();
        if (environment(PathVariable) is { Length: > 0 } explicitPath)
        {
            if (File.Exists(explicitPath)) paths.Add(explicitPath);
            else AddFolder(paths, explicitPath);
        }
        foreach (var variable in new[] { "CUDA_HOME", "CUDA_PATH" })
        {
            if (environment(variable) is not { Length: > 0 } root) continue;
            AddFolder(paths, Path.Combine(root, "lib64"));
            AddFolder(paths, Path.Combine(root, "lib"));
            AddFolder(paths, Path.Combine(root, "bin"));
        }
        AddFolder(paths, "/usr/local/cuda/lib64");
        foreach (var sitePackages in SitePackages(environment, home)) AddFolder(paths, Path.Combine(sitePackages, "nvidia", "cuda_nvrtc", "lib"));
        string unpacked = UnpackFolder(environment, home);
        foreach (var folder in DebianLibraryFolders) AddFolder(paths, Path.Combine(unpacked, folder));
        paths.AddRange(FileNames);
        return paths.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The folder tools/fetch-nvrtc unpacks into: <c>$XDG_CACHE_HOME/mistral-gpu/nvrtc</c> or <c>~/.cache/mistral-gpu/nvrtc</c>.</summary>
    public static string UnpackFolder(Func<string, string?> environment, string home)
    {
        string? xdg = environment("XDG_CACHE_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "mistral-gpu", "nvrtc");
    }

    /// <summary>
    /// The builtins library NVRTC opens by name at its first compile, next to <paramref name="nvrtc"/>
    /// (libnvrtc-builtins.so.12.4 beside libnvrtc.so.12); null when the folder has none. Loading it
    /// first, from the same folder, lets NVRTC's dlopen by soname find it without LD_LIBRARY_PATH.
    /// </summary>
    public static string? BuiltinsBeside(string nvrtc)
    {
        string? folder = Path.GetDirectoryName(nvrtc);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder)) return null;
        string pattern = OperatingSystem.IsWindows() ? "nvrtc-builtins64_*.dll" : "libnvrtc-builtins.so.*";
        // The shortest name is the soname NVRTC asks for (libnvrtc-builtins.so.11.8, not .11.8.89).
        return Directory.EnumerateFiles(folder, pattern).OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
    }

    private static void AddFolder(List<string> paths, string folder)
    {
        foreach (var name in FileNames) paths.Add(Path.Combine(folder, name));
    }

    private static IEnumerable<string> SitePackages(Func<string, string?> environment, string home)
    {
        var roots = new List<string>();
        if (environment("VIRTUAL_ENV") is { Length: > 0 } venv) roots.Add(Path.Combine(venv, "lib"));
        if (environment("CONDA_PREFIX") is { Length: > 0 } conda) roots.Add(Path.Combine(conda, "lib"));
        roots.Add(Path.Combine(home, ".local", "lib"));
        roots.Add("/usr/local/lib");
        roots.Add("/usr/lib");
        foreach (var root in roots)
        {
            string[] pythons;
            try
            {
                pythons = Directory.Exists(root) ? [.. Directory.EnumerateDirectories(root, "python3*").Order(StringComparer.Ordinal)] : [];
            }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            foreach (var python in pythons)
            {
                yield return Path.Combine(python, "site-packages");
                yield return Path.Combine(python, "dist-packages");
            }
        }
    }
}
