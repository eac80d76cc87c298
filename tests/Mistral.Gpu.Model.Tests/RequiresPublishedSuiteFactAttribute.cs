namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// A fact that needs the self-contained build of tools/publish-suite.sh, found through <see cref="Variable"/> (.ci/run
/// publishes once before the tests and sets it). Skipped with how to get it elsewhere; in CI (MGPU_REQUIRE_RUNTIMES=1) a
/// missing build fails the test instead.
/// </summary>
public sealed class RequiresPublishedSuiteFactAttribute : FactAttribute, IRuntimeRequirement
{
    /// <summary>The environment variable naming the published folder.</summary>
    public const string Variable = "MGPU_PUBLISHED_SUITE";

    /// <summary>Skips unless the variable names a folder holding the mistral-gpu executable.</summary>
    public RequiresPublishedSuiteFactAttribute()
    {
        MissingReason = Executable() is null
            ? $"{Variable} does not name a folder with mistral-gpu: run tools/publish-suite.sh DIR and set {Variable}=DIR"
            : null;
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }

    /// <summary>The published executable, or null.</summary>
    public static string? Executable() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder && File.Exists(Path.Combine(folder, "mistral-gpu"))
            ? Path.Combine(folder, "mistral-gpu") : null;
}
