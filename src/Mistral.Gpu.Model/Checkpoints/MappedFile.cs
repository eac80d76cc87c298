using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// A whole file mapped read-only, addressed by 64-bit offsets, so a 14.5 GB checkpoint needs no copy in managed
/// memory: the OS pages in what is read. <see cref="ReleasePages"/> hands pages of a tensor already converted back
/// to the page cache, so a loader that walks the file tensor by tensor keeps one tensor resident, not the file.
/// </summary>
internal sealed unsafe partial class MappedFile : IDisposable
{
    private const int MadviseDontNeed = 4;

    private readonly MemoryMappedFile? _mapping;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;

    private MappedFile(string path, long length, MemoryMappedFile? mapping, MemoryMappedViewAccessor? view)
    {
        Path = path;
        Length = length;
        _mapping = mapping;
        _view = view;
        if (view is not null)
        {
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _base = pointer + view.PointerOffset;
        }
    }

    /// <summary>The file's path as opened.</summary>
    public string Path { get; }

    /// <summary>Bytes in the file.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="stream"/> (left open; the mapping keeps its own handle). An empty file maps nothing.</summary>
    public static MappedFile Open(string path, FileStream stream)
    {
        long length = stream.Length;
        if (length == 0)
            return new MappedFile(path, 0, null, null);
        var mapping = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            return new MappedFile(path, length, mapping, mapping.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read));
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="length"/> bytes at <paramref name="offset"/>. The caller has checked the range against
    /// <see cref="Length"/>; it is checked again here so a bug can never read outside the mapping.
    /// </summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_base == null && _view is not null, this);
        if (length == 0)
            return ReadOnlySpan<byte>.Empty;
        if (!Fits(offset, length, Length))
            throw new ArgumentOutOfRangeException(nameof(offset), $"{Path}: bytes [{offset}, {offset + length}) lie outside the {Length}-byte file");
        return new ReadOnlySpan<byte>(_base + offset, length);
    }

    /// <summary>True when [<paramref name="offset"/>, offset + <paramref name="length"/>) lies inside <paramref name="fileLength"/> bytes, without overflowing.</summary>
    public static bool Fits(long offset, long length, long fileLength) =>
        offset >= 0 && length >= 0 && offset <= fileLength && length <= fileLength - offset;

    /// <summary>Drops this process's mapped pages of a byte range (Linux; elsewhere nothing), so they stop counting towards its resident memory; a later read pages them in again.</summary>
    public void ReleasePages(long offset, long length)
    {
        if (_base == null || length <= 0 || !OperatingSystem.IsLinux() || !Fits(offset, length, Length))
            return;
        long page = Environment.SystemPageSize;
        long start = (long)(_base + offset) / page * page;
        long end = (long)(_base + offset + length);
        _ = Madvise((nint)start, (nuint)(end - start), MadviseDontNeed);
    }

    /// <summary>Unmaps the file; spans obtained earlier become invalid.</summary>
    public void Dispose()
    {
        if (_view is not null && _base != null)
        {
            _base = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view?.Dispose();
        _mapping?.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
