using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mistral.Gpu.Generator.Diagnostics;
using Mistral.Gpu.Generator.Models;

namespace Mistral.Gpu.Generator.Analysis;

/// <summary>
/// Finds barriers and warp collectives that not every lane of a group would reach. A value is
/// lane-dependent when it derives from the lane's identity (ctx.LaneId, GlobalId, LinearLaneId,
/// WarpLaneId, WarpId), from a shuffle or atomic, from a view read at a lane-dependent index, or
/// from a local assigned under a lane-dependent condition; taint spreads through locals until
/// nothing changes (flow-insensitive, so it may over-approximate, never miss).
/// </summary>
internal sealed class UniformityAnalysis
{
    private readonly SemanticModel model;
    private readonly SyntaxNode root;
    private readonly HashSet<ISymbol> laneDependent = new(SymbolEqualityComparer.Default);

    private UniformityAnalysis(SemanticModel model, SyntaxNode root)
    {
        this.model = model;
        this.root = root;
    }

    public static void Run(MethodDeclarationSyntax kernel, SemanticModel model, List<DiagnosticInfo> diagnostics)
    {
        SyntaxNode? root = (SyntaxNode?)kernel.Body ?? kernel.ExpressionBody;
        if (root is null) return;
        var analysis = new UniformityAnalysis(model, root);
        analysis.PropagateTaint();
        analysis.Check(diagnostics);
    }

    private void PropagateTaint()
    {
        var assignments = new List<(ISymbol Target, ExpressionSyntax? Value, SyntaxNode At)>();
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case VariableDeclaratorSyntax declarator when model.GetDeclaredSymbol(declarator) is { } local:
                    assignments.Add((local, declarator.Initializer?.Value, declarator));
                    break;
                case AssignmentExpressionSyntax assignment when model.GetSymbolInfo(assignment.Left).Symbol is ILocalSymbol or IParameterSymbol:
                    assignments.Add((model.GetSymbolInfo(assignment.Left).Symbol!, assignment.Right, assignment));
                    break;
                case PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax when model.GetSymbolInfo(node.ChildNodes().First()).Symbol is ILocalSymbol local:
                    assignments.Add((local, null, node));
                    break;
            }
        }
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var (target, value, at) in assignments)
            {
                if (laneDependent.Contains(target)) continue;
                if ((value is not null && IsLaneDependent(value)) || LaneDependentCondition(at) is not null)
                {
                    laneDependent.Add(target);
                    changed = true;
                }
            }
        }
    }

    private bool IsLaneDependent(SyntaxNode expression)
    {
        foreach (var node in expression.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case MemberAccessExpressionSyntax access when Known.IsLaneDependentContextMember(model.GetSymbolInfo(access).Symbol):
                    return true;
                case IdentifierNameSyntax identifier when model.GetSymbolInfo(identifier).Symbol is { } symbol && laneDependent.Contains(symbol):
                    return true;
                case InvocationExpressionSyntax invocation when model.GetSymbolInfo(invocation).Symbol is IMethodSymbol called
                    && (Known.IsWarpCollective(called) || Known.IsMemberOf(called, Known.Atomic)):
                    return true;
            }
        }
        return false;
    }

    /// <summary>The nearest enclosing condition that depends on the lane and decides whether <paramref name="node"/> runs.</summary>
    private ExpressionSyntax? LaneDependentCondition(SyntaxNode node)
    {
        for (SyntaxNode? child = node, parent = node.Parent; parent is not null && child != root; child = parent, parent = parent.Parent)
        {
            ExpressionSyntax? condition = parent switch
            {
                IfStatementSyntax s when child != s.Condition => s.Condition,
                WhileStatementSyntax s when child != s.Condition => s.Condition,
                DoStatementSyntax s => s.Condition,
                ForStatementSyntax s when child == s.Statement || s.Incrementors.Contains(child) => s.Condition,
                ConditionalExpressionSyntax s when child != s.Condition => s.Condition,
                BinaryExpressionSyntax s when child == s.Right && s.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression => s.Left,
                _ => null,
            };
            if (condition is not null && IsLaneDependent(condition)) return condition;
        }
        return null;
    }

    private void Check(List<DiagnosticInfo> diagnostics)
    {
        var syncs = root.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => model.GetSymbolInfo(i).Symbol is IMethodSymbol m && (Known.IsBarrier(m) || Known.IsWarpCollective(m)))
            .ToList();
        foreach (var sync in syncs)
        {
            if (LaneDependentCondition(sync) is { } condition)
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.DivergentBarrier, sync, sync.ToString(), condition.ToString()));
        }
        if (syncs.Count == 0) return;
        foreach (var exit in root.DescendantNodes().Where(n => n is ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax))
        {
            if (!SkipsASync(exit, syncs)) continue;
            if (LaneDependentCondition(exit) is { } condition)
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.DivergentExit, exit, exit.ToString(), condition.ToString()));
        }
    }

    /// <summary>An exit matters when a barrier follows it, or when it leaves a loop that holds one.</summary>
    private static bool SkipsASync(SyntaxNode exit, List<InvocationExpressionSyntax> syncs)
    {
        var loop = exit.Ancestors().FirstOrDefault(a => a is ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax or CommonForEachStatementSyntax);
        if (exit is ReturnStatementSyntax)
            return syncs.Any(s => s.SpanStart > exit.SpanStart) || (loop is not null && syncs.Any(s => loop.Span.Contains(s.Span)));
        return loop is not null && syncs.Any(s => loop.Span.Contains(s.Span));
    }

    private static DiagnosticInfo Diagnostic(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(node), arguments.ToEquatableArray());
}
