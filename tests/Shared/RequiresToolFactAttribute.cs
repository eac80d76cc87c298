using Xunit;

namespace Mistral.Gpu.Tests.Shared;

/// <summary>
/// A fact that runs only where a command-line tool is on the PATH, and otherwise shows as
/// SKIPPED with how to install it (xunit 2 has no dynamic skip, so the decision is made when the
/// attribute is constructed during discovery). A missing tool never passes silently, and where
/// MGPU_REQUIRE_RUNTIMES=1 it fails the test with the same reason (see <see cref="RuntimeRequirement"/>).
/// </summary>
public sealed class RequiresToolFactAttribute : FactAttribute, IRuntimeRequirement
{
    /// <summary>Skips unless <paramref name="tool"/> is found on the PATH.</summary>
    /// <param name="tool">The executable name, e.g. <c>clang-14</c>.</param>
    /// <param name="install">How to get it, for the skip reason.</param>
    public RequiresToolFactAttribute(string tool, string install)
    {
        MissingReason = ToolLocator.Missing(tool, install);
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }
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

    /// <summary>Why <paramref name="tool"/> cannot be run here (with how to install it), or null when it is on the PATH.</summary>
    public static string? Missing(string tool, string install) =>
        Find(tool) is null ? $"{tool} not found on PATH: {install}" : null;
}

/// <summary>The theory counterpart of <see cref="RequiresToolFactAttribute"/>.</summary>
public sealed class RequiresToolTheoryAttribute : TheoryAttribute, IRuntimeRequirement
{
    /// <summary>Skips unless <paramref name="tool"/> is found on the PATH.</summary>
    /// <param name="tool">The executable name, e.g. <c>clang-14</c>.</param>
    /// <param name="install">How to get it, for the skip reason.</param>
    public RequiresToolTheoryAttribute(string tool, string install)
    {
        MissingReason = ToolLocator.Missing(tool, install);
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }
}
