using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Mistral.Gpu.Generator.Analysis;

/// <summary>
/// Whether a function writes through an ILGPU <c>ArrayView</c> parameter. ILGPU has one view type for memory read and
/// written, so the translator infers what the old ReadOnlyView said: a view never written (by assignment, increment,
/// <c>ref</c> argument such as an atomic, a vector store, or a helper that writes its parameter) becomes
/// <c>const T* restrict</c> in C, the read-only, non-aliased load path (<c>ld.global.nc</c>) on NVIDIA GPUs.
/// </summary>
internal static class ViewWrites
{
    /// <summary>Whether <paramref name="parameter"/> of <paramref name="function"/> is written.</summary>
    public static bool IsWritten(IParameterSymbol parameter, MethodDeclarationSyntax function, SemanticModel model) =>
        IsWritten(parameter, function, model, new HashSet<string>());

    /// <summary>
    /// A parameter's view kind: an ILGPU view is Global when its function writes it and GlobalReadOnly otherwise; the
    /// kernel language's views say their kind in their type. A view marked [MayAlias] is Global: no restrict promise.
    /// </summary>
    public static ViewKind KindOf(IParameterSymbol parameter, SemanticModel model)
    {
        var kind = Known.ViewKindOf(parameter.Type);
        if (kind != ViewKind.Global || !Known.Is(parameter.Type, Known.IlgpuArrayView) || Known.HasAttribute(parameter, Known.MayAliasAttribute)) return kind;
        foreach (var reference in parameter.ContainingSymbol.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not MethodDeclarationSyntax declaration) continue;
            var declarationModel = declaration.SyntaxTree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(declaration.SyntaxTree);
            return IsWritten(parameter, declaration, declarationModel) ? ViewKind.Global : ViewKind.GlobalReadOnly;
        }
        return ViewKind.Global;
    }

    private static bool IsWritten(IParameterSymbol parameter, MethodDeclarationSyntax function, SemanticModel model, HashSet<string> visiting)
    {
        if (!visiting.Add(Key(parameter))) return false;
        foreach (var identifier in function.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.Text != parameter.Name) continue;
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier).Symbol, parameter)) continue;
            if (WritesThrough(identifier, model, visiting)) return true;
        }
        return false;
    }

    private static bool WritesThrough(IdentifierNameSyntax view, SemanticModel model, HashSet<string> visiting)
    {
        SyntaxNode use = view;
        // view[i] ... : the element is the thing written.
        if (use.Parent is ElementAccessExpressionSyntax element && element.Expression == use)
            return IsWriteTarget(element);
        // view.StoreFloat4(i, v) (extension form) or VectorMemory.StoreFloat4(view, i, v).
        if (use.Parent is MemberAccessExpressionSyntax access && access.Expression == use
            && access.Parent is InvocationExpressionSyntax extensionCall
            && model.GetSymbolInfo(extensionCall).Symbol is IMethodSymbol { Name: var storeName } && storeName.StartsWith("Store", System.StringComparison.Ordinal))
            return true;
        if (use.Parent is ArgumentSyntax argument && argument.Parent?.Parent is InvocationExpressionSyntax call
            && model.GetSymbolInfo(call).Symbol is IMethodSymbol called)
        {
            if (called.Name.StartsWith("Store", System.StringComparison.Ordinal) && call.ArgumentList.Arguments.IndexOf(argument) == 0) return true;
            return HelperWrites(called, call.ArgumentList.Arguments.IndexOf(argument), model, visiting);
        }
        return false;
    }

    /// <summary>Whether an element access is assigned, incremented or passed by reference.</summary>
    private static bool IsWriteTarget(ElementAccessExpressionSyntax element) => element.Parent switch
    {
        AssignmentExpressionSyntax assignment => assignment.Left == element,
        PrefixUnaryExpressionSyntax unary => unary.IsKind(SyntaxKind.PreIncrementExpression) || unary.IsKind(SyntaxKind.PreDecrementExpression),
        PostfixUnaryExpressionSyntax => true,
        ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
        RefExpressionSyntax => true,
        _ => false,
    };

    private static bool HelperWrites(IMethodSymbol helper, int ordinal, SemanticModel model, HashSet<string> visiting)
    {
        var target = helper.ReducedFrom ?? helper;
        if (ordinal < 0 || ordinal >= target.Parameters.Length || !Known.IsHelper(target)) return false;
        foreach (var reference in target.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not MethodDeclarationSyntax declaration) continue;
            var helperModel = declaration.SyntaxTree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(declaration.SyntaxTree);
            if (IsWritten(target.Parameters[ordinal], declaration, helperModel, visiting)) return true;
        }
        return false;
    }

    private static string Key(IParameterSymbol parameter) =>
        (parameter.ContainingSymbol.GetDocumentationCommentId() ?? parameter.ContainingSymbol.Name) + "#" + parameter.Ordinal;
}
