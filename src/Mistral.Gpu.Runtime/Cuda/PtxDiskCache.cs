using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// PTX on disk, keyed by SHA-256 of everything that decides it (source with its specialization
/// defines, architecture, NVRTC version, options), so each variant is compiled once per machine.
/// The cache is best-effort: an unwritable directory only costs recompiling, and a file that is not
/// exactly what was written (truncated, corrupted, an older format) is ignored, so the kernel is
/// compiled again and the file rewritten.
/// </summary>
/// <remarks>
/// File format: one header line <c>// mistral-gpu ptx v1 sha256=HEX chars=N</c>, then the PTX, whose
/// SHA-256 and length the header records. The directory is <c>$XDG_CACHE_HOME/mistral-gpu/ptx</c>
/// (or <c>~/.cache/mistral-gpu/ptx</c>); set XDG_CACHE_HOME to move it.
/// </remarks>
internal static class PtxDiskCache
{
    private const string HeaderPrefix = "// mistral-gpu ptx v1 sha256=";

    /// <summary><c>$XDG_CACHE_HOME/mistral-gpu/ptx</c>, or <c>~/.cache/mistral-gpu/ptx</c>.</summary>
    public static string Directory =>
        ResolveDirectory(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The cache directory for an environment (<paramref name="environment"/> reads a variable) and home folder.</summary>
    public static string ResolveDirectory(Func<string, string?> environment, string home)
    {
        string? xdg = environment("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg;
        return Path.Combine(root, "mistral-gpu", "ptx");
    }

    /// <summary>The cache key (64 lower-case hex digits) of one compilation.</summary>
    public static string Key(string source, string architecture, string nvrtcVersion, IEnumerable<string> options)
    {
        string material = string.Join("\n", [architecture, $"nvrtc {nvrtcVersion}", .. options, source]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }

    /// <summary>The cached PTX for <paramref name="key"/> in the default directory, or null.</summary>
    public static string? TryRead(string key) => TryRead(Directory, key);

    /// <summary>The cached PTX for <paramref name="key"/> in <paramref name="directory"/>, or null when absent, unreadable or not intact.</summary>
    public static string? TryRead(string directory, string key)
    {
        string text;
        try
        {
            string path = PathFor(directory, key);
            if (!File.Exists(path)) return null;
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        return Unwrap(text);
    }

    /// <summary>Stores <paramref name="ptx"/> in the default directory; failures are ignored.</summary>
    public static void TryWrite(string key, string ptx) => TryWrite(Directory, key, ptx);

    /// <summary>Stores <paramref name="ptx"/> under <paramref name="key"/> in <paramref name="directory"/>; failures are ignored.</summary>
    public static void TryWrite(string directory, string key, string ptx)
    {
        string? temporary = null;
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            // Write then rename, so a concurrent reader never sees half a file.
            temporary = PathFor(directory, key) + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temporary, Wrap(ptx), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, PathFor(directory, key), overwrite: true);
            temporary = null;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        finally
        {
            if (temporary is not null) TryDelete(temporary);
        }
    }

    /// <summary>The file's text: the header line, then the PTX.</summary>
    internal static string Wrap(string ptx) =>
        string.Create(CultureInfo.InvariantCulture, $"{HeaderPrefix}{Hash(ptx)} chars={ptx.Length}\n{ptx}");

    /// <summary>The PTX of a file's text, or null when the header is missing or the PTX does not match it.</summary>
    internal static string? Unwrap(string text)
    {
        int newline = text.IndexOf('\n');
        if (!text.StartsWith(HeaderPrefix, StringComparison.Ordinal) || newline < 0) return null;
        string[] fields = text[HeaderPrefix.Length..newline].Split(' ');
        if (fields.Length != 2 || !fields[1].StartsWith("chars=", StringComparison.Ordinal)
            || !int.TryParse(fields[1].AsSpan("chars=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int length))
            return null;
        string ptx = text[(newline + 1)..];
        return ptx.Length == length && string.Equals(Hash(ptx), fields[0], StringComparison.Ordinal) ? ptx : null;
    }

    private static string Hash(string ptx) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ptx)));

    private static string PathFor(string directory, string key) => Path.Combine(directory, key + ".ptx");

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
