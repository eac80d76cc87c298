namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Builds the one exception type every bad-file error uses. <see cref="InvalidDataException"/> is
/// sealed, so instead of a subclass the convention lives here: the message always starts with the
/// file's path, then names the tensor or field and what is wrong, so the user can fix it without a
/// debugger.
/// </summary>
public static class FormatErrors
{
    /// <summary>An <see cref="InvalidDataException"/> whose message is "<paramref name="path"/>: <paramref name="message"/>".</summary>
    /// <param name="path">The file that is wrong.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public static InvalidDataException Invalid(string path, string message, Exception? inner = null) =>
        new($"{path}: {message}", inner);
}
