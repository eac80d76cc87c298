using System.Security.Cryptography;
using System.Text;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// PTX on disk, keyed by SHA-256 of everything that decides it (source with its specialization
/// defines, architecture, NVRTC version, options), so each variant is compiled once per machine.
/// The cache is best-effort: an unwritable directory only costs recompiling.
/// </summary>
internal static class PtxDiskCache
{
    /// <summary><c>$XDG_CACHE_HOME/mistral-gpu/ptx</c>, or <c>~/.cache/mistral-gpu/ptx</c>.</summary>
    public static string Directory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(root, "mistral-gpu", "ptx");
        }
    }

    public static string Key(string source, string architecture, string nvrtcVersion, IEnumerable<string> options)
    {
        string material = string.Join("\n", [architecture, $"nvrtc {nvrtcVersion}", .. options, source]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }

    public static string? TryRead(string key)
    {
        try
        {
            string path = PathFor(key);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public static void TryWrite(string key, string ptx)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            // Write then rename, so a concurrent reader never sees half a file.
            string temporary = PathFor(key) + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, ptx);
            File.Move(temporary, PathFor(key), overwrite: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string PathFor(string key) => Path.Combine(Directory, key + ".ptx");
}
