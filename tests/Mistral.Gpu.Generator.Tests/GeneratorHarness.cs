using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mistral.Gpu.Generator;

namespace Mistral.Gpu.Generator.Tests;

/// <summary>Runs the kernel generator over raw C# source, as the compiler would, and exposes what it produced.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> references = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(Mistral.Gpu.Language.KernelAttribute).Assembly.Location);
        paths.Add(typeof(Mistral.Gpu.Runtime.KernelDefinition).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    // What the SDK's ImplicitUsings adds to the kernels project.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public sealed record Result(ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompilationDiagnostics, ImmutableArray<SyntaxTree> Generated);

    public static Result Run(params string[] sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"Kernel{i}.cs"))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "GlobalUsings.cs"));
        var compilation = CSharpCompilation.Create("Mistral.Gpu.TestKernels", trees, references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new KernelGenerator().AsSourceGenerator()], parseOptions: parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var generated = driver.GetRunResult().GeneratedTrees;
        var compileErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return new Result(diagnostics, compileErrors, generated);
    }

    /// <summary>The value of a generated <c>const string</c> (CudaSource / OpenCLSource) of kernel <paramref name="method"/>.</summary>
    public static string Constant(Result result, string method, string field)
    {
        var tree = result.Generated.Single(t => t.FilePath.EndsWith("." + method + ".g.cs", StringComparison.Ordinal));
        var declarator = tree.GetRoot().DescendantNodes().OfType<VariableDeclaratorSyntax>().Single(v => v.Identifier.Text == field);
        return ((LiteralExpressionSyntax)declarator.Initializer!.Value).Token.ValueText;
    }

    /// <summary>The repository root (where Mistral.Gpu.sln lives).</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Mistral.Gpu.sln"))) return directory.FullName;
        throw new DirectoryNotFoundException("Mistral.Gpu.sln not found above " + AppContext.BaseDirectory);
    }
}
