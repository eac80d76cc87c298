using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mistral.Gpu.Generator.Analysis;
using Mistral.Gpu.Generator.Diagnostics;
using Mistral.Gpu.Generator.Models;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>One translated C function and what the translation found in it.</summary>
internal sealed record FunctionTranslation(string Code, FeatureFlags Features, ImmutableArray<HelperCall> Calls);

/// <summary>
/// The one C emitter: walks a kernel's or helper's Roslyn syntax with its semantic model and writes
/// C text, taking every dialect difference from a <see cref="Dialect"/> table. Unsupported C# is
/// reported (when a diagnostics list is given) at the offending node and emitted as a comment.
/// Partial files hold statements, expressions and intrinsics.
/// </summary>
internal sealed partial class CEmitter
{
    private readonly Dialect dialect;
    private readonly SemanticModel model;
    private readonly List<DiagnosticInfo>? diagnostics;
    private readonly IMethodSymbol method;
    private readonly bool isHelper;
    // The helper copy being written (HelperSpaces): which ReadOnlyView parameters point into group memory.
    private readonly string spaces;
    private readonly CodeWriter body = new();
    private readonly List<string> hoisted = new();
    private readonly Dictionary<ISymbol, ViewInfo> views = new(SymbolEqualityComparer.Default);
    private readonly List<HelperCall> calls = new();
    // Statements an expression needs written before the statement that holds it (a warp collective's publish).
    private readonly List<string> pendingStatements = new();
    private FeatureFlags features;

    private sealed record ViewInfo(ViewKind Kind, string Length);

    private CEmitter(Dialect dialect, SemanticModel model, IMethodSymbol method, bool isHelper, string spaces, List<DiagnosticInfo>? diagnostics)
    {
        this.dialect = dialect;
        this.model = model;
        this.method = method;
        this.isHelper = isHelper;
        this.spaces = spaces;
        this.diagnostics = diagnostics;
    }

    /// <summary>Translates a <c>[Kernel]</c> into a complete C kernel function (prelude and helpers not included).</summary>
    public static FunctionTranslation Kernel(Dialect dialect, IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, List<DiagnosticInfo>? diagnostics)
    {
        var emitter = new CEmitter(dialect, model, method, isHelper: false, spaces: "", diagnostics);
        return emitter.EmitKernel(syntax);
    }

    /// <summary>
    /// Translates a <c>[KernelHelper]</c> into a C device function: the copy whose <c>ReadOnlyView</c> parameters are in
    /// the address spaces <paramref name="spaces"/> names (<see cref="HelperSpaces"/>; empty, all global).
    /// </summary>
    public static FunctionTranslation Helper(Dialect dialect, IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, string spaces, List<DiagnosticInfo>? diagnostics)
    {
        var emitter = new CEmitter(dialect, model, method, isHelper: true, spaces, diagnostics);
        return emitter.EmitHelper(syntax);
    }

    /// <summary>Whether shared and global pointers are one C type here, so a helper needs no copy per address space.</summary>
    public static bool HasOnePointerSpace(Dialect dialect) => dialect.SharedSpace == dialect.GlobalSpace;

    private FunctionTranslation EmitKernel(MethodDeclarationSyntax syntax)
    {
        var parameters = new List<string>();
        var setup = new List<string>();
        foreach (var parameter in method.Parameters)
        {
            string name = CName(parameter.Name);
            var kind = ViewWrites.KindOf(parameter, model);
            if (kind != ViewKind.None)
            {
                string pointer = PointerType(kind, Known.ElementType(parameter.Type));
                parameters.Add($"{pointer} {name}_base, int {name}_offset, int {name}_length");
                setup.Add($"{pointer} {name} = {name}_base + {name}_offset;");
                views[parameter] = new ViewInfo(kind, name + "_length");
                if (CTypes.IsSixteenBitFloat(Known.ElementType(parameter.Type))) features |= FeatureFlags.Half;
            }
            else if (!Known.HasAttribute(parameter, Known.SpecializeAttribute) && !Known.IsSpecializedValue(parameter.Type))
            {
                parameters.Add($"{CType(parameter.Type)} {name}");
            }
        }

        EmitBody(syntax);

        var function = new CodeWriter();
        function.Line($"{dialect.KernelPrefix} void {method.Name}({string.Join(", ", parameters)})");
        function.Open();
        foreach (var line in setup) function.Line(line);
        foreach (var line in hoisted) function.Line(line);
        if ((features & FeatureFlags.Warp) != 0 && dialect.WarpScratchDeclaration.Length > 0)
            function.Line(dialect.WarpScratchDeclaration);
        if (setup.Count + hoisted.Count > 0) function.Line();
        function.Lines(body.ToString());
        function.Close();
        return new FunctionTranslation(function.ToString(), features, calls.ToImmutableArray());
    }

    private FunctionTranslation EmitHelper(MethodDeclarationSyntax syntax)
    {
        var parameters = new List<string>();
        int either = 0;
        foreach (var parameter in method.Parameters)
        {
            string name = CName(parameter.Name);
            var kind = ViewWrites.KindOf(parameter, model);
            if (HelperSpaces.TakesEitherSpace(parameter, model))
            {
                if (either < spaces.Length && spaces[either] == HelperSpaces.Local) kind = kind == ViewKind.Global ? ViewKind.Shared : ViewKind.SharedReadOnly;
                either++;
            }
            if (parameter.RefKind != RefKind.None)
            {
                Report(DiagnosticDescriptors.UnsupportedType, syntax.ParameterList.Parameters[parameter.Ordinal], parameter.Type.ToDisplayString(), "helper parameters are passed by value; return a value instead of ref/out");
                continue;
            }
            if (kind != ViewKind.None)
            {
                // An ILGPU view a helper only reads is const, not restrict: the helper cannot know that its caller's
                // views do not overlap (the kernel's own parameters carry that promise, and helpers are inlined into it).
                bool restrict = !Known.Is(parameter.Type, Known.IlgpuArrayView);
                parameters.Add($"{PointerType(kind, Known.ElementType(parameter.Type), restrict)} {name}, int {name}_length");
                views[parameter] = new ViewInfo(kind, name + "_length");
            }
            else
            {
                CheckValueType(parameter.Type, syntax.ParameterList.Parameters[parameter.Ordinal], "helper parameter");
                parameters.Add($"{CType(parameter.Type)} {name}");
            }
        }
        CheckValueType(method.ReturnType, syntax.ReturnType, "helper return type");

        EmitBody(syntax);

        var function = new CodeWriter();
        function.Line($"{dialect.HelperPrefix} {CType(method.ReturnType)} {HelperSpaces.Name(CName(method.Name), spaces)}({string.Join(", ", parameters)})");
        function.Open();
        function.Lines(body.ToString());
        function.Close();
        return new FunctionTranslation(function.ToString(), features, calls.ToImmutableArray());
    }

    private void EmitBody(MethodDeclarationSyntax syntax)
    {
        if (syntax.Body is { } block)
        {
            foreach (var statement in block.Statements) EmitStatement(statement);
        }
        else if (syntax.ExpressionBody is { } arrow)
        {
            string expression = EmitExpression(arrow.Expression);
            body.Line(method.ReturnsVoid ? expression + ";" : $"return {expression};");
        }
    }

    /// <summary><c>const __global float* restrict</c>: qualifiers from the table, in C order.</summary>
    private string PointerType(ViewKind kind, ITypeSymbol? element, bool restrict = true)
    {
        var parts = new List<string>();
        if (kind is ViewKind.GlobalReadOnly or ViewKind.SharedReadOnly) parts.Add("const");
        string space = kind is ViewKind.Shared or ViewKind.SharedReadOnly ? dialect.SharedSpace : dialect.GlobalSpace;
        if (space.Length > 0) parts.Add(space);
        parts.Add(CType(element) + "*");
        if (kind == ViewKind.GlobalReadOnly && restrict && dialect.Restrict.Length > 0) parts.Add(dialect.Restrict);
        return string.Join(" ", parts);
    }

    private string CType(ITypeSymbol? type)
    {
        string? key = CTypes.Key(type);
        return key is not null && dialect.Types.TryGetValue(key, out var name) ? name : "/* unsupported type */ int";
    }

    private static readonly HashSet<string> reservedInC = new()
    {
        "auto", "register", "signed", "unsigned", "union", "restrict", "inline", "typedef", "asm", "template",
        "typename", "friend", "half", "uchar", "ushort", "uint", "ulong", "kernel", "global", "local", "constant",
        "read_only", "write_only", "threadIdx", "blockIdx", "blockDim", "gridDim", "float2", "float3", "float4",
        "int2", "int3", "int4", "uint2", "uint3", "uint4", "max", "min", "abs", "exp", "log", "sqrt", "pow",
        "barrier", "vector", "mgpu_xchg",
    };

    /// <summary>
    /// The macro a [Specialize] parameter becomes (the runtime prepends <c>#define MGPU_SPEC_name value</c>): the MGPU_
    /// prefix is reserved (CName renames C# identifiers that start with it), so no variable of the kernel or its
    /// helpers is ever replaced by the value.
    /// </summary>
    internal static string SpecializationMacro(string parameterName) => "MGPU_SPEC_" + parameterName;

    /// <summary>A C# identifier as a C identifier: unchanged unless C or the prelude reserves it.</summary>
    private static string CName(string name) =>
        reservedInC.Contains(name) || name.StartsWith("MGPU_", System.StringComparison.Ordinal) || name.StartsWith("mgpu_", System.StringComparison.Ordinal)
            ? name + "_" : name;

    private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
        diagnostics?.Add(new DiagnosticInfo(descriptor.Id, LocationInfo.From(node), arguments.ToImmutableArray()));

    /// <summary>Reports a type a kernel cannot hold in a local, parameter or return value.</summary>
    private bool CheckValueType(ITypeSymbol? type, SyntaxNode at, string where)
    {
        if (type is null || type.SpecialType == SpecialType.System_Void) return true;
        // The compiler already reports unresolved types.
        if (type.TypeKind == TypeKind.Error) return false;
        if (type.SpecialType == SpecialType.System_String)
        {
            Report(DiagnosticDescriptors.Strings, at, "a string " + where);
            return false;
        }
        if (type.IsReferenceType || type.TypeKind == TypeKind.Pointer)
        {
            Report(DiagnosticDescriptors.ReferenceType, at, type.ToDisplayString());
            return false;
        }
        if (CTypes.Key(type) is null)
        {
            Report(DiagnosticDescriptors.UnsupportedType, at, type.ToDisplayString(), where);
            return false;
        }
        return true;
    }

    private string Unsupported(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments)
    {
        Report(descriptor, node, arguments);
        return "/* unsupported */ 0";
    }

    private string UnsupportedSyntax(SyntaxNode node, string construct, string instead) =>
        Unsupported(DiagnosticDescriptors.UnsupportedSyntax, node, construct, instead);
}
