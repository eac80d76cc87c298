using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Mistral.Gpu.Generator.Analysis;
using Mistral.Gpu.Generator.Diagnostics;
using Mistral.Gpu.Generator.Models;
using Mistral.Gpu.Generator.Writers;

namespace Mistral.Gpu.Generator;

/// <summary>
/// Translates every <c>[Kernel]</c> method into CUDA C and OpenCL C and emits its
/// KernelDefinition, typed launcher and CPU entry, plus one KernelCatalog per assembly.
/// Each step's output is an equatable model of strings, so unchanged kernels are not re-emitted.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KernelGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Helpers: each translated once, shared by the kernels that call it.
        var helpers = context.SyntaxProvider
            .ForAttributeWithMetadataName(Known.KernelHelperAttribute, static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax, KernelAnalyzer.Helper)
            .Where(static h => h is not null)
            .Select(static (h, _) => h!)
            .Collect();

        // 2. Kernels: shape checks, C in both dialects, uniformity, CPU iterator body.
        var kernels = context.SyntaxProvider
            .ForAttributeWithMetadataName(Known.KernelAttribute, static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax, KernelAnalyzer.Kernel)
            .Where(static k => k is not null)
            .Select(static (k, _) => k!);

        // 3. Helper diagnostics, recursion through helpers included.
        context.RegisterSourceOutput(helpers, static (output, all) => ReportHelpers(output, all));

        // 4. One file per kernel: device sources (with the helpers it reaches), launcher, CPU entry.
        context.RegisterSourceOutput(kernels.Combine(helpers), static (output, pair) => EmitKernel(output, pair.Left, pair.Right));

        // 5. The catalog of every kernel in the assembly.
        var assemblyName = context.CompilationProvider.Select(static (c, _) => c.AssemblyName ?? "Kernels");
        context.RegisterSourceOutput(kernels.Collect().Combine(assemblyName), static (output, pair) =>
        {
            if (pair.Left.Length > 0) output.AddSource("KernelCatalog.g.cs", CatalogWriter.Write(pair.Right, pair.Left));
        });
    }

    private static void EmitKernel(SourceProductionContext output, KernelModel kernel, ImmutableArray<HelperModel> helpers)
    {
        foreach (var diagnostic in kernel.Diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
        var byId = new Dictionary<string, HelperModel>();
        foreach (var helper in helpers) byId[helper.Id] = helper;
        var (cuda, openCL, helperFeatures, helperCpuCopies) = DeviceSourceWriter.Write(kernel, byId);
        string hint = string.Join(".", kernel.ContainingTypes.Select(t => t.Name)) + "." + kernel.MethodName;
        if (kernel.Namespace.Length > 0) hint = kernel.Namespace + "." + hint;
        output.AddSource(hint + ".g.cs", LauncherWriter.Write(kernel, cuda, openCL, kernel.Features | helperFeatures, helperCpuCopies));
    }

    private static void ReportHelpers(SourceProductionContext output, ImmutableArray<HelperModel> helpers)
    {
        var byId = helpers.GroupBy(h => h.Id).ToDictionary(g => g.Key, g => g.First());
        foreach (var helper in byId.Values)
        {
            foreach (var diagnostic in helper.Diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
            // Direct self-calls are reported by the emitter; here, cycles through other helpers.
            foreach (var call in helper.Calls)
            {
                if (call.CalleeId != helper.Id && Reaches(call.CalleeId, helper.Id, byId, new HashSet<string>()))
                    output.ReportDiagnostic(new DiagnosticInfo(DiagnosticDescriptors.Recursion.Id, call.Location, ImmutableArray.Create(helper.Name)).ToDiagnostic());
            }
        }
    }

    private static bool Reaches(string from, string target, Dictionary<string, HelperModel> helpers, HashSet<string> seen)
    {
        if (from == target) return true;
        if (!seen.Add(from) || !helpers.TryGetValue(from, out var helper)) return false;
        return helper.Calls.Any(c => Reaches(c.CalleeId, target, helpers, seen));
    }
}
