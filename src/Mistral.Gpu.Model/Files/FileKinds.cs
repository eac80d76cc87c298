using System.Runtime.InteropServices;

namespace Mistral.Gpu.Model.Files;

/// <summary>
/// Tells regular files from folders, links and special files (devices, pipes, sockets), which .NET's
/// <see cref="File.Exists(string)"/> does not: <c>/dev/zero</c> "exists" and never ends, a pipe blocks
/// on open. On Linux this asks the kernel (<c>statx</c>, whose layout is the same on every
/// architecture); elsewhere it falls back to what <see cref="FileSystemInfo"/> reports.
/// </summary>
public static partial class FileKinds
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private static volatile bool _statxMissing;

    private const ushort TypeMask = 0xF000, RegularType = 0x8000, DirectoryType = 0x4000, LinkType = 0xA000;

    /// <summary>What <paramref name="path"/> is; with <paramref name="followLinks"/> a link reports what it points to.</summary>
    /// <param name="path">Any path.</param>
    /// <param name="followLinks">Follow symbolic links (reading) or report them (writing).</param>
    public static FileKind Of(string path, bool followLinks)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsLinux() && !_statxMissing)
        {
            Span<byte> buffer = stackalloc byte[256];
            try
            {
                if (Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
                    return FileKind.Missing;
                return (BitConverter.ToUInt16(buffer[ModeOffset..]) & TypeMask) switch
                {
                    RegularType => FileKind.Regular,
                    DirectoryType => FileKind.Directory,
                    LinkType => FileKind.SymbolicLink,
                    _ => FileKind.Special,
                };
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // A C library older than glibc 2.28 (or not glibc): fall back to what .NET reports.
                _statxMissing = true;
            }
        }
        var info = new FileInfo(path);
        if (!followLinks && info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        return File.Exists(path) ? FileKind.Regular : FileKind.Missing;
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file (links followed): a missing path is a
    /// <see cref="FileNotFoundException"/>, a folder or special file an <see cref="IOException"/>, each naming
    /// <paramref name="what"/> and the path.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="what">What the file is for the user, e.g. "tokenizer" or "--text".</param>
    public static void RequireRegular(string path, string what)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException($"{what}: no path given; name a file");
        switch (Of(path, followLinks: true))
        {
            case FileKind.Regular: return;
            case FileKind.Missing: throw new FileNotFoundException($"{what} not found: {path}", path);
            case FileKind.Directory: throw new IOException($"{what} {path} is a folder, not a file");
            default: throw new IOException($"{what} {path} is not a regular file (a device, pipe or socket); give a file");
        }
    }

    /// <summary>Reads a regular file of at most <paramref name="maxBytes"/> bytes, refusing anything else with a message naming it.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file is, for messages.</param>
    /// <param name="maxBytes">The largest size accepted.</param>
    public static byte[] ReadAllBytes(string path, string what, long maxBytes)
    {
        RequireRegular(path, what);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > maxBytes)
            throw new IOException($"{what} {path} is {stream.Length} bytes, more than the {maxBytes} accepted; give a smaller file");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, ref byte buffer);
}
