using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mistral.Gpu.Generator.Analysis;

namespace Mistral.Gpu.Generator.Cpu;

/// <summary>
/// The ILGPU half of the CPU rewrite. ILGPU's <c>Grid</c>/<c>Group</c>/<c>Warp</c> properties read the lane's identity,
/// which only exists inside ILGPU's own runtime, so the CPU copy reads it from the lane's KernelContext instead; views
/// become the CPU backend's bounds-checked views (the writer types the parameters), group memory comes from the group,
/// atomics and helpers are the CPU's own copies, and ILGPU's Half is System.Half (same bits, same rounding).
/// </summary>
internal sealed partial class CpuIteratorRewriter
{
    private const string Language = "global::Mistral.Gpu.Language.";

    /// <summary>The name of a helper's CPU copy, written into each kernel file that reaches it.</summary>
    public static string CpuHelperName(IMethodSymbol helper) => $"Cpu_{helper.ContainingType?.Name}_{helper.Name}";

    /// <summary>A type as the CPU copy spells it: fully qualified, with ILGPU's Half as System.Half.</summary>
    public static string CpuTypeName(ITypeSymbol type) =>
        type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::ILGPU.Half", "global::System.Half");

    public override SyntaxNode? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
    {
        var symbol = model.GetSymbolInfo(node).Symbol;
        if (symbol is IPropertySymbol property && LaneExpression(property) is { } lane)
            return SyntaxFactory.ParseExpression(lane).WithTriviaFrom(node);
        // A SpecializedValue<int> parameter is a plain int on the CPU.
        if (node.Name.Identifier.Text == "Value" && Known.IsSpecializedValue(model.GetTypeInfo(node.Expression).Type))
            return Visit(node.Expression)!.WithTriviaFrom(node);
        return base.VisitMemberAccessExpression(node);
    }

    /// <summary>The CPU lane's spelling of an ILGPU index property, or null for any other property.</summary>
    private string? LaneExpression(IPropertySymbol property)
    {
        string owner = property.ContainingType?.ToDisplayString() ?? "";
        string lane = context;
        return (owner, property.Name) switch
        {
            (Known.IlgpuGrid, "IdxX") => $"{lane}.GroupId.X",
            (Known.IlgpuGrid, "IdxY") => $"{lane}.GroupId.Y",
            (Known.IlgpuGrid, "IdxZ") => $"{lane}.GroupId.Z",
            (Known.IlgpuGrid, "Index") => $"{lane}.GroupId",
            (Known.IlgpuGrid, "DimX") => $"{lane}.GroupCount.X",
            (Known.IlgpuGrid, "DimY") => $"{lane}.GroupCount.Y",
            (Known.IlgpuGrid, "DimZ") => $"{lane}.GroupCount.Z",
            (Known.IlgpuGrid, "Dimension") => $"{lane}.GroupCount",
            (Known.IlgpuGrid, "GlobalIndex") => $"{lane}.GlobalId",
            (Known.IlgpuGroup, "IdxX") => $"{lane}.LaneId.X",
            (Known.IlgpuGroup, "IdxY") => $"{lane}.LaneId.Y",
            (Known.IlgpuGroup, "IdxZ") => $"{lane}.LaneId.Z",
            (Known.IlgpuGroup, "Index") => $"{lane}.LaneId",
            (Known.IlgpuGroup, "DimX") => $"{lane}.GroupSize.X",
            (Known.IlgpuGroup, "DimY") => $"{lane}.GroupSize.Y",
            (Known.IlgpuGroup, "DimZ") => $"{lane}.GroupSize.Z",
            (Known.IlgpuGroup, "Dimension") => $"{lane}.GroupSize",
            (Known.IlgpuGroup, "LinearIndex") => $"{lane}.LinearLaneId",
            (Known.IlgpuGroup, "IsFirstThread") => $"({lane}.LinearLaneId == 0)",
            (Known.IlgpuWarp, "LaneIdx") => $"{lane}.WarpLaneId",
            (Known.IlgpuWarp, "WarpIdx") => $"{lane}.WarpId",
            (Known.IlgpuWarp, "IsFirstLane") => $"({lane}.WarpLaneId == 0)",
            (Known.IlgpuWarp, "WarpSize") => Language + "Warp.Size",
            _ => null,
        };
    }

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        if (model.GetSymbolInfo(node).Symbol is not IMethodSymbol called) return base.VisitInvocationExpression(node);
        var target = called.ReducedFrom ?? called;
        string arguments = string.Join(", ", node.ArgumentList.Arguments.Select(a => Text(a)));
        if (Known.IsSharedAllocate(target) && Known.IsMemberOf(target, Known.IlgpuSharedMemory))
            return Expression($"{Language}Shared.Allocate<{CpuTypeName(called.TypeArguments[0])}>({arguments})", node);
        if (Known.IsMemberOf(target, Known.IlgpuAtomic))
        {
            // ILGPU's CompareExchange takes (target, compare, value); the CPU's (Interlocked's) takes (target, value, comparand).
            var parts = node.ArgumentList.Arguments.Select(a => Text(a)).ToList();
            if (target.Name == "CompareExchange" && parts.Count == 3) (parts[1], parts[2]) = (parts[2], parts[1]);
            return Expression($"{Language}Atomic.{target.Name}({string.Join(", ", parts)})", node);
        }
        // The CPU's groups are threads of one process: a full barrier orders the writes as ILGPU's device fence does.
        if (Known.IsMemberOf(target, Known.IlgpuMemoryFence) && target.Name == "DeviceLevel")
            return Expression("global::System.Threading.Interlocked.MemoryBarrier()", node);
        if (Known.IsHelper(target))
        {
            // Extension-form helpers take their receiver first.
            if (called.ReducedFrom is not null && node.Expression is MemberAccessExpressionSyntax receiver)
                arguments = Text(receiver.Expression) + (arguments.Length > 0 ? ", " + arguments : "");
            return Expression($"{CpuHelperName(target)}({arguments})", node);
        }
        return base.VisitInvocationExpression(node);
    }

    public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node)
    {
        var symbol = model.GetSymbolInfo(node).Symbol;
        if (symbol is ITypeSymbol type && Known.Is(type, Known.IlgpuHalf))
            return SyntaxFactory.ParseTypeName("global::System.Half").WithTriviaFrom(node);
        // The copy lives in the generated launcher class: a constant of the source's class is named through it.
        bool qualified = node.Parent is MemberAccessExpressionSyntax access && access.Name == node;
        if (!qualified && symbol is IFieldSymbol { IsStatic: true } field && field.ContainingType is { } owner)
            return SyntaxFactory.ParseExpression($"{owner.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}.{field.Name}").WithTriviaFrom(node);
        return base.VisitIdentifierName(node);
    }

    public override SyntaxNode? VisitQualifiedName(QualifiedNameSyntax node)
    {
        if (model.GetSymbolInfo(node).Symbol is ITypeSymbol type && Known.Is(type, Known.IlgpuHalf))
            return SyntaxFactory.ParseTypeName("global::System.Half").WithTriviaFrom(node);
        return base.VisitQualifiedName(node);
    }

    public override SyntaxNode? VisitVariableDeclaration(VariableDeclarationSyntax node)
    {
        // ArrayView locals (group memory) take the CPU view type of their initializer.
        if (Known.ViewKindOf(model.GetTypeInfo(node.Type).Type) != ViewKind.None)
        {
            var visited = (VariableDeclarationSyntax)base.VisitVariableDeclaration(node)!;
            return visited.WithType(SyntaxFactory.IdentifierName("var").WithTriviaFrom(node.Type));
        }
        return base.VisitVariableDeclaration(node);
    }

    private static ExpressionSyntax Expression(string text, SyntaxNode original) => SyntaxFactory.ParseExpression(text).WithTriviaFrom(original);
}
