namespace Mistral.Gpu.Cli.Commands;

/// <summary>The suite's --out folder: made fresh, or an empty one taken as it is; anything else is refused, so nothing of the user's is overwritten.</summary>
internal static class SuiteFolder
{
    /// <summary>Throws an <see cref="IOException"/> naming the folder when it cannot be the report folder.</summary>
    public static void Check(string folder)
    {
        // A link (even a dangling one) is refused before anything else: what it points at is not the user's to fill.
        if (new FileInfo(folder).LinkTarget is not null) throw new IOException($"--out {folder} is a symbolic link; give a real folder.");
        if (File.Exists(folder)) throw new IOException($"--out {folder} is a file, not a folder.");
        if (Directory.Exists(folder))
        {
            if (Directory.EnumerateFileSystemEntries(folder).Any())
                throw new IOException($"--out {folder} is not empty; give a new or empty folder (nothing is overwritten).");
            return;
        }
        string parent = Path.GetDirectoryName(folder) ?? ".";
        if (!Directory.Exists(parent)) throw new IOException($"--out {folder}: its parent folder {parent} does not exist.");
    }

    /// <summary>Creates the folder (checked by <see cref="Check"/>).</summary>
    public static void Create(string folder) => Directory.CreateDirectory(folder);
}
