using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Mistral.Gpu.Model.Tokenization;
using Xunit.Abstractions;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// The NuGet packages as a user gets them: pack this build into a temp feed, check what is inside,
/// then build the two samples' sources in fresh projects that reference only the packages (restored
/// from that feed plus the machine's normal sources) and run them. Slow (two restores and builds),
/// so it is one test; everything it writes lives in a temp folder.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output)
{
    private static readonly string[] Packages = ["Mistral.Gpu.Language", "Mistral.Gpu.Runtime", "Mistral.Gpu.Kernels", "Mistral.Gpu.Model", "Mistral.Gpu.Extensions.AI"];
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(10);

    [Fact]
    public void Packed_packages_restore_into_fresh_projects_that_run_both_samples()
    {
        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        using var temp = new TempFolder("mistral-gpu-packages");
        // A version no earlier run used, so no package cache can answer with a stale copy.
        string version = $"0.1.0-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}";
        string feed = temp.Combine("feed");

        // Pack the build the tests run on; nothing is rebuilt, and the nuspecs go to the temp folder.
        Dotnet(TestPaths.Repository, "pack", Path.Combine(TestPaths.Repository, "Mistral.Gpu.sln"), "-c", TestPaths.Configuration, "--no-build", "-nodeReuse:false",
            "-o", feed, $"-p:Version={version}", $"-p:NuspecOutputPath={temp.Combine("nuspec")}/");
        output.WriteLine($"pack: {clock.Elapsed.TotalSeconds:0.0} s");
        CheckPackages(feed, version);

        string apps = temp.Combine("apps");
        WriteIsolatedFolder(apps, feed, temp.Combine("packages"));
        string chatHost = WriteApp(apps, "ChatHost", "Mistral.Gpu.Extensions.AI", version, Path.Combine(TestPaths.Repository, "tools", "Mistral.Gpu.Samples.ChatHost"));
        CopyFolder(TestPaths.ShippedStories260k, Path.Combine(chatHost, "DefaultModel", "stories260k"));
        string customKernel = WriteApp(apps, "CustomKernel", "Mistral.Gpu.Runtime", version, Path.Combine(TestPaths.Repository, "tools", "Mistral.Gpu.Samples.CustomKernel"));

        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = temp.Combine("packages"), ["MISTRAL_GPU_BACKEND"] = null };
        foreach (string app in new[] { chatHost, customKernel })
            Dotnet(app, environment, "build", app, "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        output.WriteLine($"restore + build: {clock.Elapsed.TotalSeconds:0.0} s");

        // The chat host on the CPU backend: greedy, so its story is llama2.c's first 40 tokens.
        var story = StoriesReference.Load()[0];
        var tokenizer = SentencePieceTokenizer.Load(Path.Combine(TestPaths.ShippedStories260k, "tokenizer.model"));
        var chat = Run(chatHost, "ChatHost", new Dictionary<string, string?> { ["MISTRAL_GPU_BACKEND"] = "cpu" });
        Assert.Equal(story.Prompt + tokenizer.Decode(story.GeneratedIds.AsSpan(0, 40)), chat.StdOut.TrimEnd('\n'));
        Assert.Contains("Mistral.Gpu: stories260k", chat.StdErr);
        Assert.Contains("finish: length; tokens: 5 in, 40 out", chat.StdErr);
        // Microsoft.Extensions.AI's logging middleware around our client wrote its debug lines.
        Assert.Contains("Microsoft.Extensions.AI.LoggingChatClient", chat.StdErr);

        // The custom kernel, generated in the app from the package's analyzer, on the default backend and on the CPU.
        foreach (string? backend in new[] { null, "cpu" })
        {
            var kernel = Run(customKernel, "CustomKernel", new Dictionary<string, string?> { ["MISTRAL_GPU_BACKEND"] = backend });
            Assert.Contains("100003 of 100003 elements match", kernel.StdOut);
            output.WriteLine(kernel.StdOut.Trim());
        }

        AssertNothingWrittenToTheRepository(started);
        output.WriteLine($"total: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Each library is a package with README, license, XML docs and symbols; the generator rides in the runtime's as an analyzer.</summary>
    private static void CheckPackages(string feed, string version)
    {
        Assert.Equal(Packages.Select(p => $"{p}.{version}.nupkg").Order(), Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order());
        foreach (string id in Packages)
        {
            using var package = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("README.md", entries);
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains($"lib/net10.0/{id}.xml", entries);

            using var nuspecStream = package.GetEntry($"{id}.nuspec")!.Open();
            var nuspec = XDocument.Load(nuspecStream).Root!;
            XNamespace ns = nuspec.Name.Namespace;
            var metadata = nuspec.Element(ns + "metadata")!;
            Assert.Equal("Apache-2.0", metadata.Element(ns + "license")!.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")!.Value));
            var dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToList();
            Assert.DoesNotContain("Mistral.Gpu.Generator", dependencies);
            Assert.All(dependencies.Where(d => d.StartsWith("Mistral.Gpu.", StringComparison.Ordinal)), d => Assert.Contains(d, Packages));

            using var symbols = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.snupkg"));
            Assert.Contains($"lib/net10.0/{id}.pdb", symbols.Entries.Select(e => e.FullName));
        }
        using var runtime = ZipFile.OpenRead(Path.Combine(feed, $"Mistral.Gpu.Runtime.{version}.nupkg"));
        Assert.Contains("analyzers/dotnet/cs/Mistral.Gpu.Generator.dll", runtime.Entries.Select(e => e.FullName));
    }

    /// <summary>
    /// A folder the repository's build files cannot reach: its own (empty) Directory.* files stop
    /// MSBuild's upward search, and its nuget.config adds the feed to the machine's sources, with the
    /// machine's package cache as a read-only fallback so packages it already holds need no network.
    /// </summary>
    private static void WriteIsolatedFolder(string apps, string feed, string packages)
    {
        Directory.CreateDirectory(apps);
        foreach (string name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(apps, name), "<Project />\n");
        string machineCache = MachinePackageCache();
        var config = new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", packages))),
            new XElement("packageSources", new XElement("add", new XAttribute("key", "mistral-gpu-test-feed"), new XAttribute("value", feed))),
            new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "machine-cache"), new XAttribute("value", machineCache))));
        new XDocument(config).Save(Path.Combine(apps, "nuget.config"));
    }

    /// <summary>
    /// A console project referencing one of our packages plus the sample's own package references (at
    /// the repository's central versions), with the sample's sources copied in.
    /// </summary>
    private static string WriteApp(string apps, string name, string package, string version, string sampleFolder)
    {
        string folder = Path.Combine(apps, name);
        Directory.CreateDirectory(folder);
        foreach (string source in Directory.GetFiles(sampleFolder, "*.cs"))
            File.Copy(source, Path.Combine(folder, Path.GetFileName(source)));
        var centralVersions = XDocument.Load(Path.Combine(TestPaths.Repository, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        var sampleReferences = XDocument.Load(Directory.GetFiles(sampleFolder, "*.csproj").Single()).Descendants("PackageReference")
            .Select(p => (string)p.Attribute("Include")!)
            .Select(id => new XElement("PackageReference", new XAttribute("Include", id), new XAttribute("Version", centralVersions[id])));
        var project = new XElement("Project", new XAttribute("Sdk", "Microsoft.NET.Sdk"),
            new XElement("PropertyGroup",
                new XElement("OutputType", "Exe"),
                new XElement("TargetFramework", "net10.0"),
                new XElement("Nullable", "enable"),
                new XElement("ImplicitUsings", "enable"),
                new XElement("TreatWarningsAsErrors", "true")),
            new XElement("ItemGroup",
                new XElement("PackageReference", new XAttribute("Include", package), new XAttribute("Version", version)),
                sampleReferences,
                new XElement("None", new XAttribute("Include", "DefaultModel/**"), new XAttribute("CopyToOutputDirectory", "PreserveNewest"))));
        new XDocument(project).Save(Path.Combine(folder, $"{name}.csproj"));
        return folder;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private static string MachinePackageCache()
    {
        var locals = ChildProcess.Run("dotnet", ["nuget", "locals", "global-packages", "--list"], Path.GetTempPath(), StepLimit);
        Assert.True(locals.ExitCode == 0, locals.ToString());
        string line = locals.StdOut.Split('\n').Single(l => l.StartsWith("global-packages:", StringComparison.Ordinal));
        return line["global-packages:".Length..].Trim();
    }

    private ChildProcess.Result Run(string app, string name, IReadOnlyDictionary<string, string?> environment)
    {
        var result = ChildProcess.Run("dotnet", [Path.Combine(app, "bin", "Release", "net10.0", $"{name}.dll")], app, StepLimit, environment);
        Assert.True(result.ExitCode == 0, $"{name}: {result}");
        return result;
    }

    private void Dotnet(string workingDirectory, params string[] arguments) => Dotnet(workingDirectory, null, arguments);

    private void Dotnet(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var result = ChildProcess.Run("dotnet", arguments, workingDirectory, StepLimit, environment);
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)}: {result}");
    }

    private static void AssertNothingWrittenToTheRepository(DateTime since)
    {
        string[] packageFiles = ["*.nupkg", "*.snupkg", "*.nuspec"];
        var written = packageFiles
            .SelectMany(pattern => Directory.EnumerateFiles(TestPaths.Repository, pattern, SearchOption.AllDirectories))
            .Where(path => File.GetLastWriteTimeUtc(path) >= since)
            .ToList();
        Assert.True(written.Count == 0, $"packing wrote into the repository: {string.Join(", ", written)}");
    }
}
