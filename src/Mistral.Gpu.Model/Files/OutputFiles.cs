namespace Mistral.Gpu.Model.Files;

/// <summary>
/// Writes output files the one safe way: only as regular files, through a temporary file in the same
/// folder renamed over the target when complete (a crash or full disk never leaves half a file under
/// the real name). What is at the path decides: nothing or a regular file is written (a regular file
/// only when overwriting is allowed); a folder, a device, a pipe, a socket or a symbolic link is refused,
/// since replacing it would turn a device into a file or a link into a copy while its target stays
/// stale. Links are refused rather than followed so that a write never lands somewhere the path does
/// not say.
/// </summary>
public static class OutputFiles
{
    /// <summary>
    /// Throws unless a file can be written at <paramref name="path"/>: its folder exists, and the path
    /// holds nothing, or a regular file when <paramref name="overwrite"/>. Messages start with
    /// <paramref name="what"/> (the option, e.g. "--out") and the path as the user gave it.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="what">The option or role of the file, for messages.</param>
    /// <param name="overwrite">Whether an existing regular file may be replaced (--force).</param>
    /// <exception cref="IOException">One sentence naming the path and what is in the way.</exception>
    public static void CheckTarget(string path, string what, bool overwrite)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException($"{what}: no path given; name the file to write");
        string full = Path.GetFullPath(path);
        switch (FileKinds.Of(full, followLinks: false))
        {
            case FileKind.Regular when !overwrite:
                throw new IOException($"{what} {path} already exists; pass --force to overwrite it");
            case FileKind.Regular:
                return;
            case FileKind.Directory:
                throw new IOException($"{what} {path} is a folder; give the name of a file to write");
            case FileKind.SymbolicLink:
                throw new IOException($"{what} {path} is a symbolic link; links are not followed or replaced, so give the path of the file itself");
            case FileKind.Special:
                throw new IOException($"{what} {path} is a device, pipe or socket; only regular files are written");
        }
        string folder = Path.GetDirectoryName(full) ?? ".";
        switch (FileKinds.Of(folder, followLinks: true))
        {
            case FileKind.Directory:
                return;
            case FileKind.Missing:
                for (string? up = Path.GetDirectoryName(folder); !string.IsNullOrEmpty(up); up = Path.GetDirectoryName(up))
                    if (FileKinds.Of(up, followLinks: true) is not (FileKind.Missing or FileKind.Directory))
                        throw new IOException($"{what} {path}: {up} is a file, not a folder");
                throw new IOException($"{what} {path}: the folder {folder} does not exist; create it first");
            default:
                throw new IOException($"{what} {path}: {folder} is a file, not a folder");
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> through a temporary file beside it, replacing a regular file there;
    /// anything else at the path is refused (see <see cref="CheckTarget"/>), checked again just before the rename.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="what">The option or role of the file, for messages.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    public static void Write(string path, string what, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        CheckTarget(path, what, overwrite: true);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            CheckTarget(path, what, overwrite: true);
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) the way <see cref="Write"/> does.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="what">The option or role of the file, for messages.</param>
    /// <param name="text">The content.</param>
    public static void WriteAllText(string path, string what, string text) =>
        Write(path, what, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: keep the original exception.
        }
    }
}
