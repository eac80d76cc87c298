namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// Where the repository and its shared test data are: walk up from the test binary to the folder
/// holding Mistral.Gpu.sln; ../shared sits beside it. A missing folder is a failure that says where
/// it looked, not a skip (CI always has the data).
/// </summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root.</summary>
    public static string Repository => Root.Value;

    /// <summary>The model the CLI ships as its default (llama2.c's stories260K).</summary>
    public static string ShippedStories260k => Existing(Path.Combine(Repository, "tools", "Mistral.Gpu.Cli", "DefaultModel", "stories260k"));

    /// <summary>The shared copy of stories260k with llama2.c's reference generations.</summary>
    public static string SharedStories260k => Existing(Path.GetFullPath(Path.Combine(Repository, "..", "shared", "models", "stories260k")));

    /// <summary>The configuration the tests were built in (the pack test packs the same build).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string Existing(string path) =>
        Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"test data folder missing: {path}");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mistral.Gpu.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no folder containing Mistral.Gpu.sln above {AppContext.BaseDirectory}");
    }
}
