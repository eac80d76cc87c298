using Xunit;

namespace Mistral.Gpu.Tests.Shared;

/// <summary>
/// A fact that runs only where a command-line tool is on the PATH, and otherwise shows as
/// SKIPPED with how to install it (xunit 2 has no dynamic skip, so the decision is made when the
/// attribute is constructed during discovery). A missing tool never passes silently.
/// </summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    /// <summary>Skips unless <paramref name="tool"/> is found on the PATH.</summary>
    /// <param name="tool">The executable name, e.g. <c>clang-14</c>.</param>
    /// <param name="install">How to get it, for the skip reason.</param>
    public RequiresToolFactAttribute(string tool, string install)
    {
        if (ToolLocator.Find(tool) is null) Skip = $"{tool} not found on PATH: {install}";
    }
}

/// <summary>Finds executables on the PATH.</summary>
public static class ToolLocator
{
    /// <summary>The full path of <paramref name="tool"/>, or null.</summary>
    public static string? Find(string tool)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate)) return candidate;
            if (OperatingSystem.IsWindows() && File.Exists(candidate + ".exe")) return candidate + ".exe";
        }
        return null;
    }
}

/// <summary>The theory counterpart of <see cref="RequiresToolFactAttribute"/>.</summary>
public sealed class RequiresToolTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips unless <paramref name="tool"/> is found on the PATH.</summary>
    /// <param name="tool">The executable name, e.g. <c>clang-14</c>.</param>
    /// <param name="install">How to get it, for the skip reason.</param>
    public RequiresToolTheoryAttribute(string tool, string install)
    {
        if (ToolLocator.Find(tool) is null) Skip = $"{tool} not found on PATH: {install}";
    }
}
