using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mistral.Gpu.Generator.Cpu;
using Mistral.Gpu.Generator.Diagnostics;
using Mistral.Gpu.Generator.Emit;
using Mistral.Gpu.Generator.Models;

namespace Mistral.Gpu.Generator.Analysis;

/// <summary>Turns one <c>[Kernel]</c> or <c>[KernelHelper]</c> method into its equatable pipeline model.</summary>
internal static class KernelAnalyzer
{
    /// <summary>The KernelContext parameter of an ILGPU kernel's CPU copy (the source has none).</summary>
    public const string IlgpuLaneName = "__mgpuLane";

    public static KernelModel? Kernel(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax) return null;
        var model = context.SemanticModel;
        var diagnostics = new List<DiagnosticInfo>();

        CheckShape(method, syntax, diagnostics);
        var parameters = Parameters(method, syntax, model, diagnostics);
        cancellation.ThrowIfCancellationRequested();

        var cuda = CEmitter.Kernel(CudaDialect.Instance, method, syntax, model, diagnostics);
        var openCL = CEmitter.Kernel(OpenCLDialect.Instance, method, syntax, model, diagnostics: null);
        var features = cuda.Features;
        bool lockstep = (features & (FeatureFlags.Barrier | FeatureFlags.Warp)) != 0;
        if (lockstep) UniformityAnalysis.Run(syntax, model, diagnostics);
        // The CPU runs a rewritten copy of every kernel: ILGPU's intrinsics only run inside ILGPU.
        string? iterator = CpuIteratorRewriter.Rewrite(syntax, model, IlgpuLaneName, lockstep);

        return new KernelModel(
            Namespace: method.ContainingNamespace.IsGlobalNamespace ? "" : method.ContainingNamespace.ToDisplayString(),
            ContainingTypes: ContainingTypes(method.ContainingType),
            MethodName: method.Name,
            ContextName: IlgpuLaneName,
            Parameters: parameters,
            Code: new DeviceCode(cuda.Code, openCL.Code),
            Helpers: Calls(openCL),
            Features: features,
            CpuIteratorBody: iterator,
            CpuGroupBody: CpuGroupBody(method, syntax, parameters, diagnostics),
            Usings: Usings(syntax),
            Diagnostics: Deduplicate(diagnostics));
    }

    public static HelperModel? Helper(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax) return null;
        var diagnostics = new List<DiagnosticInfo>();
        if (!method.IsStatic)
            diagnostics.Add(Diagnostic(DiagnosticDescriptors.UnsupportedSyntax, syntax.Identifier, $"The instance helper '{method.Name}'", "make it static"));
        CheckIlgpuParameters(method, syntax, diagnostics);
        var cuda = CEmitter.Helper(CudaDialect.Instance, method, syntax, context.SemanticModel, spaces: "", diagnostics);
        var openCL = HelperSpaces.All(HelperSpaces.Count(method, context.SemanticModel)).Select(spaces =>
        {
            var copy = CEmitter.Helper(OpenCLDialect.Instance, method, syntax, context.SemanticModel, spaces, diagnostics: null);
            return new HelperCopy(spaces, copy.Code, Calls(copy));
        });
        return new HelperModel(
            Known.HelperId(method),
            method.Name,
            cuda.Code,
            cuda.Calls.ToEquatableArray(),
            openCL.ToEquatableArray(),
            cuda.Features,
            CpuHelperCopy(method, syntax, context.SemanticModel),
            Deduplicate(diagnostics));
    }

    /// <summary>
    /// The helper as the CPU copy of an ILGPU kernel calls it: ILGPU views become the CPU backend's views (read-only
    /// where the helper never writes them) and its body is rewritten like the kernel's.
    /// </summary>
    private static string CpuHelperCopy(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model)
    {
        var parameters = method.Parameters.Select(p => $"{CpuParameterType(p, model)} {p.Name}");
        string body = CpuIteratorRewriter.Rewrite(syntax, model, "global::Mistral.Gpu.Language.KernelContext.CurrentLane", iterator: false);
        return $"private static {CpuIteratorRewriter.CpuTypeName(method.ReturnType)} {CpuIteratorRewriter.CpuHelperName(method)}({string.Join(", ", parameters)})\n{body}";
    }

    /// <summary>A parameter's type in a CPU copy: views as the CPU backend's views, specializations as int, Half as System.Half.</summary>
    private static string CpuParameterType(IParameterSymbol parameter, SemanticModel model)
    {
        if (Known.IsSpecializedValue(parameter.Type)) return "int";
        if (!Known.Is(parameter.Type, Known.IlgpuArrayView)) return CpuIteratorRewriter.CpuTypeName(parameter.Type);
        string element = CpuIteratorRewriter.CpuTypeName(Known.ElementType(parameter.Type)!);
        return ViewWrites.KindOf(parameter, model) == ViewKind.Global
            ? $"global::Mistral.Gpu.Language.View<{element}>"
            : $"global::Mistral.Gpu.Language.ReadOnlyView<{element}>";
    }

    /// <summary>The helper copies a function calls, each once, without locations (only the recursion check needs them).</summary>
    private static EquatableArray<HelperCall> Calls(FunctionTranslation translation) =>
        translation.Calls.Select(c => c with { Location = null }).Distinct().ToEquatableArray();

    private static void CheckShape(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
    {
        if (!method.IsStatic || !method.ReturnsVoid)
            diagnostics.Add(Diagnostic(DiagnosticDescriptors.KernelNotStaticVoid, syntax.Identifier, method.Name));
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            bool partial = type.DeclaringSyntaxReferences.Any(r =>
                r.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));
            bool staticClass = type.TypeKind == TypeKind.Class && (type.IsStatic || !SymbolEqualityComparer.Default.Equals(type, method.ContainingType));
            if (!partial || !staticClass || type.IsGenericType)
            {
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.KernelClassNotStaticPartial, syntax.Identifier, method.Name, type.Name));
                break;
            }
        }
        if (method.IsGenericMethod)
            diagnostics.Add(Diagnostic(DiagnosticDescriptors.UnsupportedSyntax, syntax.Identifier, $"The generic kernel '{method.Name}'", "write one kernel per element type"));
        CheckIlgpuParameters(method, syntax, diagnostics);
    }

    /// <summary>Kernels and helpers are ILGPU code; the lane context and views of Mistral.Gpu.Language are the CPU backend's, for group bodies.</summary>
    private static void CheckIlgpuParameters(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
    {
        foreach (var parameter in method.Parameters)
        {
            if (Known.Is(parameter.Type, Known.KernelContext) || (Known.ViewKindOf(parameter.Type) != ViewKind.None && !Known.Is(parameter.Type, Known.IlgpuArrayView)))
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.NotIlgpuKernel, syntax.ParameterList.Parameters[parameter.Ordinal], method.Name, parameter.Type.Name));
        }
    }

    private static EquatableArray<ParameterModel> Parameters(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, List<DiagnosticInfo> diagnostics)
    {
        var result = new List<ParameterModel>();
        var all = method.Parameters.ToList();
        foreach (var parameter in all)
        {
            var at = syntax.ParameterList.Parameters[parameter.Ordinal];
            var kind = ViewWrites.KindOf(parameter, model);
            var specialize = parameter.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Known.SpecializeAttribute);
            var extent = parameter.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Known.ExtentAttribute);
            string typeName = parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.UnsupportedType, at, parameter.Type.ToDisplayString(), "kernel parameters are passed by value, not ref/out/in"));
                continue;
            }
            if (specialize is not null)
            {
                var values = specialize.ConstructorArguments.FirstOrDefault() is { Kind: TypedConstantKind.Array } array
                    ? array.Values.Select(v => v.Value).OfType<int>().ToList()
                    : new List<int>();
                bool integer = parameter.Type.SpecialType == SpecialType.System_Int32
                    || Known.IsSpecializedValue(parameter.Type) && Known.ElementType(parameter.Type)?.SpecialType == SpecialType.System_Int32;
                if (!integer)
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidSpecialize, at, parameter.Name, $"is on a {parameter.Type.ToDisplayString()}"));
                else if (values.Count == 0)
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidSpecialize, at, parameter.Name, "lists no supported values"));
                result.Add(new ParameterModel(parameter.Name, ParameterKind.Specialization, "int", "AsInt32()", string.Join(", ", values), null, null));
                continue;
            }
            if (Known.IsSpecializedValue(parameter.Type))
            {
                // Each value is a compiled variant, so the translator must know them all.
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidSpecialize, at, parameter.Name, "is a SpecializedValue without [Specialize(...)] listing its values"));
                result.Add(new ParameterModel(parameter.Name, ParameterKind.Specialization, "int", "AsInt32()", "", null, null));
                continue;
            }
            if (kind is ViewKind.Global or ViewKind.GlobalReadOnly)
            {
                var element = Known.ElementType(parameter.Type);
                if (element is { TypeKind: not TypeKind.Error } && CTypes.Key(element) is null or "bool" or "Float4" or "UInt4")
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.UnsupportedType, at, parameter.Type.ToDisplayString(), "view elements must be int, uint, long, ulong, short, ushort, byte, float, double, Half or BFloat16"));
                string elementName = element is null ? "int" : CpuIteratorRewriter.CpuTypeName(element);
                string? rewritten = null;
                if (extent is not null) rewritten = ExtentExpression(extent, parameter, all, at, diagnostics);
                result.Add(new ParameterModel(parameter.Name, kind == ViewKind.Global ? ParameterKind.View : ParameterKind.ReadOnlyView, elementName,
                    kind == ViewKind.Global ? $"AsView<{elementName}>()" : $"AsReadOnlyView<{elementName}>()",
                    null, rewritten, extent?.ConstructorArguments.FirstOrDefault().Value as string));
                continue;
            }
            if (extent is not null)
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidExtent, at, extent.ConstructorArguments.FirstOrDefault().Value as string ?? "", parameter.Name, "is on a parameter that is not a view"));
            string? accessor = parameter.Type.SpecialType switch
            {
                SpecialType.System_Int32 => "AsInt32()",
                SpecialType.System_UInt32 => "AsUInt32()",
                SpecialType.System_Int64 => "AsInt64()",
                SpecialType.System_Single => "AsSingle()",
                SpecialType.System_Double => "AsDouble()",
                _ => null,
            };
            if (accessor is null && parameter.Type.TypeKind != TypeKind.Error)
            {
                diagnostics.Add(parameter.Type.IsReferenceType
                    ? Diagnostic(parameter.Type.SpecialType == SpecialType.System_String ? DiagnosticDescriptors.Strings : DiagnosticDescriptors.ReferenceType, at,
                        parameter.Type.SpecialType == SpecialType.System_String ? "a string parameter" : parameter.Type.ToDisplayString())
                    : Diagnostic(DiagnosticDescriptors.UnsupportedType, at, parameter.Type.ToDisplayString(), "kernel parameter"));
            }
            accessor ??= "AsInt32()";
            result.Add(new ParameterModel(parameter.Name, ParameterKind.Scalar, typeName, accessor, null, null, null));
        }
        return result.ToEquatableArray();
    }

    /// <summary>
    /// The fully qualified method a [CpuGroupBody] names, after checking it can be called with the
    /// group and the kernel's arguments: static, returning bool, (CpuGroup, kernel parameters...).
    /// </summary>
    private static string? CpuGroupBody(IMethodSymbol kernel, MethodDeclarationSyntax syntax, EquatableArray<ParameterModel> parameters, List<DiagnosticInfo> diagnostics)
    {
        var attribute = kernel.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Known.CpuGroupBodyAttribute);
        if (attribute is null || attribute.ConstructorArguments.Length != 2) return null;
        SyntaxNode at = attribute.ApplicationSyntaxReference?.GetSyntax() ?? syntax;
        var type = attribute.ConstructorArguments[0].Value as INamedTypeSymbol;
        string name = attribute.ConstructorArguments[1].Value as string ?? "";
        string label = $"{type?.Name ?? "?"}.{name}";
        if (type is null)
        {
            diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidCpuGroupBody, at, kernel.Name, label, "is not in a type", name));
            return null;
        }
        var expected = parameters.Select(CpuTypeName).ToList();
        var kernelNames = parameters.Select(p => p.Name).ToList();
        var candidates = type.GetMembers(name).OfType<IMethodSymbol>().ToList();
        string? problem = candidates.Count == 0 ? "does not exist" : null;
        foreach (var candidate in candidates)
        {
            problem = !candidate.IsStatic ? "is not static"
                : candidate.ReturnType.SpecialType != SpecialType.System_Boolean ? "does not return bool"
                : candidate.Parameters.Length != expected.Count + 1 || !Known.Is(candidate.Parameters[0].Type, Known.CpuGroup) ? "does not take (CpuGroup group, ...the kernel's parameters)"
                : Enumerable.Range(0, expected.Count)
                    .Where(i => expected[i] != candidate.Parameters[i + 1].Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) || candidate.Parameters[i + 1].RefKind != RefKind.None)
                    .Select(i => $"differs from the kernel at parameter '{kernelNames[i]}'").FirstOrDefault();
            if (problem is null) return $"{type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}.{name}";
        }
        diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidCpuGroupBody, at, kernel.Name, label, problem!, name));
        return null;
    }

    /// <summary>The type a CPU group body takes for a kernel parameter: the CPU backend's view, or the scalar.</summary>
    private static string CpuTypeName(ParameterModel parameter) => parameter.Kind switch
    {
        ParameterKind.View => $"global::Mistral.Gpu.Language.View<{parameter.ElementType}>",
        ParameterKind.ReadOnlyView => $"global::Mistral.Gpu.Language.ReadOnlyView<{parameter.ElementType}>",
        _ => parameter.ElementType,
    };

    /// <summary>
    /// Parses an [Extent] expression and rewrites each parameter name to the validator's local
    /// (<c>rows * cols</c> to <c>v_rows * v_cols</c>); only integer scalars and specializations may appear.
    /// </summary>
    private static string? ExtentExpression(AttributeData extent, IParameterSymbol view, List<IParameterSymbol> all, SyntaxNode at, List<DiagnosticInfo> diagnostics)
    {
        string text = extent.ConstructorArguments.FirstOrDefault().Value as string ?? "";
        var attributeSyntax = extent.ApplicationSyntaxReference?.GetSyntax() ?? at;
        var expression = SyntaxFactory.ParseExpression(text);
        if (text.Trim().Length == 0 || expression.ContainsDiagnostics || expression.FullSpan.Length != text.Length)
        {
            diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidExtent, attributeSyntax, text, view.Name, "does not parse as a C# expression"));
            return null;
        }
        foreach (var node in expression.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case IdentifierNameSyntax identifier:
                    var named = all.FirstOrDefault(p => p.Name == identifier.Identifier.Text);
                    bool integer = named is not null && (named.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64
                        || Known.IsSpecializedValue(named.Type) && Known.ElementType(named.Type)?.SpecialType == SpecialType.System_Int32);
                    if (named is null || !integer)
                    {
                        diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidExtent, attributeSyntax, text, view.Name,
                            named is null ? $"names '{identifier}', which is not a parameter" : $"names '{identifier}', which is not an integer parameter"));
                        return null;
                    }
                    break;
                case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NumericLiteralExpression):
                case BinaryExpressionSyntax or ParenthesizedExpressionSyntax or PrefixUnaryExpressionSyntax:
                    break;
                default:
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.InvalidExtent, attributeSyntax, text, view.Name, $"uses '{node}', which is not integer arithmetic"));
                    return null;
            }
        }
        var rewritten = expression.ReplaceNodes(
            expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>(),
            (original, _) => SyntaxFactory.IdentifierName("v_" + original.Identifier.Text));
        return rewritten.ToString();
    }

    private static EquatableArray<ContainingType> ContainingTypes(INamedTypeSymbol type)
    {
        var chain = new List<ContainingType>();
        for (var current = type; current is not null; current = current.ContainingType)
            chain.Insert(0, new ContainingType(current.IsStatic ? "static partial class" : "partial class", current.Name));
        return chain.ToEquatableArray();
    }

    /// <summary>The kernel file's using directives, so the CPU iterator copy binds names as the original does.</summary>
    private static EquatableArray<string> Usings(SyntaxNode syntax) =>
        syntax.Ancestors()
            .SelectMany(a => a switch
            {
                CompilationUnitSyntax unit => unit.Usings,
                BaseNamespaceDeclarationSyntax ns => ns.Usings,
                _ => default(SyntaxList<UsingDirectiveSyntax>),
            })
            .Where(u => !u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword))
            .Select(u => u.WithoutTrivia().ToString())
            .Distinct()
            .ToEquatableArray();

    private static EquatableArray<DiagnosticInfo> Deduplicate(List<DiagnosticInfo> diagnostics) => diagnostics.Distinct().ToEquatableArray();

    private static DiagnosticInfo Diagnostic(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(node), arguments.ToImmutableArray());

    private static DiagnosticInfo Diagnostic(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(token.GetLocation()), arguments.ToImmutableArray());
}
