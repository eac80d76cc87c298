namespace Mistral.Gpu.Model.Files;

/// <summary>What a path names, as far as reading or writing it goes.</summary>
public enum FileKind
{
    /// <summary>Nothing is there.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A symbolic link (only reported when links are not followed).</summary>
    SymbolicLink,

    /// <summary>A device, pipe or socket: reading may never end and writing does not make a file.</summary>
    Special,
}
