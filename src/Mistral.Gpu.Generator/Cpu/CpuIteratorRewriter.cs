using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mistral.Gpu.Generator.Analysis;

namespace Mistral.Gpu.Generator.Cpu;

/// <summary>
/// Rewrites a kernel body into the body of a CPU iterator that yields at every synchronisation
/// point, so the CPU backend can step all lanes of a group round-robin:
/// <c>Group.Barrier();</c> becomes <c>yield return 0;</c>, <c>return;</c> becomes <c>yield break;</c>,
/// and <c>T y = Warp.Op(x, m);</c> becomes publish, step, read, step (operands evaluated first).
/// The body is also rewritten onto the CPU lane (CpuIteratorRewriter.Ilgpu.cs), with or without the iterator, since
/// ILGPU's index and memory intrinsics only run inside ILGPU.
/// </summary>
internal sealed partial class CpuIteratorRewriter : CSharpSyntaxRewriter
{
    private const string Prefix = "__mgpu";
    private readonly SemanticModel model;
    private readonly string context;
    private readonly bool iterator;
    private int temporaries;

    private CpuIteratorRewriter(SemanticModel model, string context, bool iterator)
    {
        this.model = model;
        this.context = context;
        this.iterator = iterator;
    }

    /// <summary>The body rewritten for the CPU lane: an iterator body when <paramref name="iterator"/>, else a plain one.</summary>
    public static string Rewrite(MethodDeclarationSyntax function, SemanticModel model, string context, bool iterator)
    {
        var rewriter = new CpuIteratorRewriter(model, context, iterator);
        if (function.Body is null)
        {
            // An expression body: rewrite the expression where it stands (the model knows only the original tree).
            string expression = rewriter.Visit(function.ExpressionBody!.Expression)!.ToString();
            bool isVoid = function.ReturnType is PredefinedTypeSyntax predefined && predefined.Keyword.IsKind(SyntaxKind.VoidKeyword);
            return isVoid ? $"{{\n    {expression};\n}}\n" : $"{{\n    return {expression};\n}}\n";
        }
        return ((BlockSyntax)rewriter.Visit(function.Body)!).ToFullString();
    }

    public override SyntaxNode? VisitBlock(BlockSyntax node)
    {
        if (!iterator) return base.VisitBlock(node);
        var statements = new List<StatementSyntax>();
        foreach (var statement in node.Statements)
        {
            var lowered = Lower(statement);
            if (lowered is null) statements.Add((StatementSyntax)Visit(statement));
            else statements.AddRange(lowered.Select(s => s.WithLeadingTrivia(statement.GetLeadingTrivia())));
        }
        return node.WithStatements(SyntaxFactory.List(statements));
    }

    public override SyntaxNode? VisitExpressionStatement(ExpressionStatementSyntax node)
    {
        // A synchronising statement that is the whole body of an if/for/while (no block to splice into).
        var lowered = iterator ? Lower(node) : null;
        return lowered is null
            ? base.VisitExpressionStatement(node)
            : SyntaxFactory.Block(lowered).WithTriviaFrom(node);
    }

    public override SyntaxNode? VisitReturnStatement(ReturnStatementSyntax node) =>
        iterator ? SyntaxFactory.ParseStatement("yield break;").WithTriviaFrom(node) : base.VisitReturnStatement(node);

    /// <summary>The replacement statements for a barrier or warp collective, or null for any other statement.</summary>
    private List<StatementSyntax>? Lower(StatementSyntax statement)
    {
        switch (statement)
        {
            case ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call } when Known.IsBarrier(Called(call)):
                return [Parse("yield return 0;")];
            case LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } declaration
                when declaration.Declaration.Variables[0] is { Initializer.Value: InvocationExpressionSyntax call } variable
                && Known.IsWarpCollective(Called(call)):
                return LowerCollective(call, take => $"{Text(declaration.Declaration.Type)} {variable.Identifier.Text} = {take};");
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Right: InvocationExpressionSyntax call } assignment }
                when Known.IsWarpCollective(Called(call)):
                return LowerCollective(call, take => $"{Text(assignment.Left)} {assignment.OperatorToken.Text} {take};");
            default:
                return null;
        }
    }

    private IMethodSymbol? Called(InvocationExpressionSyntax call) => model.GetSymbolInfo(call).Symbol as IMethodSymbol;

    private List<StatementSyntax> LowerCollective(InvocationExpressionSyntax call, System.Func<string, string> use)
    {
        var collective = Called(call)!;
        string type = CpuTypeName(collective.ReturnType);
        int id = ++temporaries;
        var arguments = call.ArgumentList.Arguments;
        if (Known.IsMma(collective)) return LowerMma(arguments, id, use);
        var lowered = new List<StatementSyntax>
        {
            Parse($"{type} {Prefix}Value{id} = {Text(arguments[0].Expression)};"),
        };
        string take;
        string? reduction = collective.Name.StartsWith("Reduce", System.StringComparison.Ordinal) ? collective.Name.Substring("Reduce".Length)
            : Known.IsIlgpuWarpReduction(collective) ? Known.IlgpuReductionKind(collective) : null;
        if (reduction is not null)
        {
            take = $"{context}.WarpTakeReduce<{type}>(global::Mistral.Gpu.Language.WarpReduction.{reduction})";
        }
        else
        {
            lowered.Add(Parse($"int {Prefix}Operand{id} = {Text(arguments[1].Expression)};"));
            string method = collective.Name switch
            {
                "ShuffleXor" => "WarpTakeXor",
                "ShuffleDown" => "WarpTakeDown",
                "ShuffleUp" => "WarpTakeUp",
                _ => "WarpTakeFrom",
            };
            take = $"{context}.{method}<{type}>({Prefix}Operand{id})";
        }
        lowered.Add(Parse($"{context}.WarpPut({Prefix}Value{id});"));
        // Every lane publishes before any lane reads...
        lowered.Add(Parse("yield return 0;"));
        lowered.Add(Parse(use(take)));
        // ...and every lane reads before any lane publishes again.
        lowered.Add(Parse("yield return 0;"));
        return lowered;
    }

    /// <summary>
    /// <c>D = Mma.M16N8K16(a, b0, b1, c)</c>: operands evaluated, the lane's A and B fragments published, a step, D read
    /// from the warp's fragments and the lane's own C, a step (as for a shuffle, with six words instead of one).
    /// </summary>
    private List<StatementSyntax> LowerMma(SeparatedSyntaxList<ArgumentSyntax> arguments, int id, System.Func<string, string> use)
    {
        const string Language = "global::Mistral.Gpu.Language.";
        return
        [
            Parse($"{Language}UInt4 {Prefix}A{id} = {Text(arguments[0].Expression)};"),
            Parse($"uint {Prefix}B{id} = {Text(arguments[1].Expression)};"),
            Parse($"uint {Prefix}BHigh{id} = {Text(arguments[2].Expression)};"),
            Parse($"{Language}Float4 {Prefix}C{id} = {Text(arguments[3].Expression)};"),
            Parse($"{context}.WarpPutFragments({Prefix}A{id}, {Prefix}B{id}, {Prefix}BHigh{id});"),
            Parse("yield return 0;"),
            Parse(use($"{context}.WarpTakeMma({Prefix}C{id})")),
            Parse("yield return 0;"),
        ];
    }

    private static StatementSyntax Parse(string text) => SyntaxFactory.ParseStatement(text + "\n");

    /// <summary>A sub-tree of the original, itself rewritten, as text.</summary>
    private string Text(SyntaxNode node) => Visit(node)!.ToString();
}
