namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Locates the shared test data (../shared beside the repository): walk up from the test binary to
/// the folder holding Mistral.Gpu.sln. CI always has the data, so a missing folder is a failure
/// with a message that says where it was looked for, not a skip.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RootPath => Root.Value;

    public static string Stories260k => Folder("models", "stories260k");

    public static string MistralTiny => Folder("testdata", "mistral-tiny");

    public static IEnumerable<string> MistralTinyCases =>
        Directory.GetDirectories(MistralTiny).Where(d => File.Exists(Path.Combine(d, "params.json"))).Order(StringComparer.Ordinal);

    public static TheoryData<string> MistralTinyCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string folder in MistralTinyCases)
            data.Add(Path.GetFileName(folder));
        return data;
    }

    public static string MistralTinyCase(string name) => Folder("testdata", "mistral-tiny", name);

    public static string Folder(params string[] parts)
    {
        string path = Path.Combine([RootPath, .. parts]);
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"shared test data folder missing: {path}");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mistral.Gpu.sln")))
            {
                string shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                if (!Directory.Exists(shared))
                    throw new DirectoryNotFoundException($"shared test data not found at {shared} (expected beside the repository at {dir.FullName})");
                return shared;
            }
        }
        throw new DirectoryNotFoundException($"no folder containing Mistral.Gpu.sln above {AppContext.BaseDirectory}; cannot locate ../shared test data");
    }
}
