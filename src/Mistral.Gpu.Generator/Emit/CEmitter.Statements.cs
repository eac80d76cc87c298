using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mistral.Gpu.Generator.Analysis;
using Mistral.Gpu.Generator.Diagnostics;
using Mistral.Gpu.Generator.Models;

namespace Mistral.Gpu.Generator.Emit;

internal sealed partial class CEmitter
{
    private void EmitStatement(StatementSyntax statement)
    {
        switch (statement)
        {
            case BlockSyntax block:
                body.Open();
                foreach (var inner in block.Statements) EmitStatement(inner);
                body.Close();
                break;
            case LocalDeclarationStatementSyntax declaration:
                EmitLocalDeclaration(declaration);
                break;
            case ExpressionStatementSyntax expression:
                Statement(EmitExpression(expression.Expression) + ";");
                break;
            case IfStatementSyntax ifStatement:
                EmitIf(ifStatement, "if");
                break;
            case ForStatementSyntax forStatement:
                EmitFor(forStatement);
                break;
            case WhileStatementSyntax whileStatement:
                body.Line($"while ({EmitExpression(whileStatement.Condition)})");
                EmitEmbedded(whileStatement.Statement);
                break;
            case DoStatementSyntax doStatement:
                body.Line("do");
                EmitEmbedded(doStatement.Statement);
                body.Line($"while ({EmitExpression(doStatement.Condition)});");
                break;
            case BreakStatementSyntax:
                body.Line("break;");
                break;
            case ContinueStatementSyntax:
                body.Line("continue;");
                break;
            case ReturnStatementSyntax returnStatement:
                body.Line(returnStatement.Expression is null ? "return;" : $"return {EmitExpression(returnStatement.Expression)};");
                break;
            case EmptyStatementSyntax:
                body.Line(";");
                break;
            case CheckedStatementSyntax checkedStatement when checkedStatement.IsKind(SyntaxKind.UncheckedStatement):
                // Device integer arithmetic always wraps, which is what unchecked means.
                EmitStatement(checkedStatement.Block);
                break;
            case CheckedStatementSyntax checkedStatement:
                UnsupportedStatement(checkedStatement, "A checked block", "devices cannot trap on overflow; remove 'checked'");
                break;
            case ThrowStatementSyntax or TryStatementSyntax:
                Report(DiagnosticDescriptors.Exceptions, statement, statement is ThrowStatementSyntax ? "throw" : "try");
                break;
            case LocalFunctionStatementSyntax:
                Report(DiagnosticDescriptors.Lambda, statement, "A local function");
                break;
            case CommonForEachStatementSyntax:
                UnsupportedStatement(statement, "foreach", "write 'for (int i = 0; i < view.Length; i++)'");
                break;
            case SwitchStatementSyntax:
                UnsupportedStatement(statement, "A switch statement", "use if / else if");
                break;
            case GotoStatementSyntax or LabeledStatementSyntax:
                UnsupportedStatement(statement, "goto", "use structured loops with break and continue");
                break;
            case YieldStatementSyntax:
                UnsupportedStatement(statement, "yield", "write results to a View<T>");
                break;
            case UsingStatementSyntax or LockStatementSyntax or FixedStatementSyntax or UnsafeStatementSyntax:
                UnsupportedStatement(statement, $"A '{statement.GetFirstToken().Text}' statement", "remove it; kernels own no resources, locks or pointers");
                break;
            default:
                UnsupportedStatement(statement, $"The statement kind {statement.Kind()}", "rewrite it with if, for, while and assignments");
                break;
        }
    }

    /// <summary>Writes a statement after whatever its expressions asked to precede it.</summary>
    private void Statement(string text)
    {
        foreach (var line in pendingStatements) body.Line(line);
        pendingStatements.Clear();
        body.Line(text);
    }

    private void UnsupportedStatement(SyntaxNode node, string construct, string instead)
    {
        Report(DiagnosticDescriptors.UnsupportedSyntax, node, construct, instead);
        body.Line("/* unsupported statement */");
    }

    /// <summary>An if/for/while body: braces as written, otherwise one indented statement.</summary>
    private void EmitEmbedded(StatementSyntax statement)
    {
        if (statement is BlockSyntax)
        {
            EmitStatement(statement);
            return;
        }
        // A collective may become several statements (publish, then read, where the dialect emulates it): keep them under the if/for.
        if (statement.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>()
            .Any(call => Known.IsWarpCollective(model.GetSymbolInfo(call).Symbol as IMethodSymbol)))
        {
            body.Open();
            EmitStatement(statement);
            body.Close();
            return;
        }
        body.Indent();
        EmitStatement(statement);
        body.Outdent();
    }

    private void EmitIf(IfStatementSyntax statement, string keyword)
    {
        body.Line($"{keyword} ({EmitExpression(statement.Condition)})");
        EmitEmbedded(statement.Statement);
        if (statement.Else is null) return;
        if (statement.Else.Statement is IfStatementSyntax elseIf)
        {
            EmitIf(elseIf, "else if");
            return;
        }
        body.Line("else");
        EmitEmbedded(statement.Else.Statement);
    }

    private void EmitFor(ForStatementSyntax statement)
    {
        string initializer = statement.Declaration is { } declaration
            ? DeclarationText(declaration)
            : string.Join(", ", statement.Initializers.Select(EmitExpression));
        string condition = statement.Condition is null ? "" : EmitExpression(statement.Condition);
        string incrementors = string.Join(", ", statement.Incrementors.Select(EmitExpression));
        body.Line($"for ({initializer}; {condition}; {incrementors})");
        EmitEmbedded(statement.Statement);
    }

    /// <summary><c>int i = 0, j = 1</c> with <c>var</c> replaced by the inferred C type.</summary>
    private string DeclarationText(VariableDeclarationSyntax declaration)
    {
        var first = model.GetDeclaredSymbol(declaration.Variables[0]) as ILocalSymbol;
        CheckValueType(first?.Type, declaration.Type, "local variable");
        var declarators = declaration.Variables.Select(v =>
            v.Initializer is null ? CName(v.Identifier.Text) : $"{CName(v.Identifier.Text)} = {EmitExpression(v.Initializer.Value)}");
        return $"{CType(first?.Type)} {string.Join(", ", declarators)}";
    }

    private void EmitLocalDeclaration(LocalDeclarationStatementSyntax statement)
    {
        // Constants are inlined at each use, as their values.
        if (statement.IsConst) return;
        if (statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword) || statement.Declaration.Type is RefTypeSyntax)
        {
            UnsupportedStatement(statement, statement.Declaration.Type is RefTypeSyntax ? "A ref local" : "A using declaration",
                "index the view directly each time");
            return;
        }
        foreach (var variable in statement.Declaration.Variables)
        {
            var local = model.GetDeclaredSymbol(variable) as ILocalSymbol;
            if (variable.Initializer?.Value is InvocationExpressionSyntax invocation
                && Known.IsSharedAllocate(model.GetSymbolInfo(invocation).Symbol as IMethodSymbol))
            {
                DeclareShared(statement, variable, local, invocation);
                continue;
            }
            if (Known.ViewKindOf(local?.Type) != ViewKind.None)
            {
                Report(DiagnosticDescriptors.ViewAlias, variable, variable.ToString());
                continue;
            }
            if (!CheckValueType(local?.Type, variable, "local variable")) continue;
            string name = CName(variable.Identifier.Text);
            Statement(variable.Initializer is null
                ? $"{CType(local?.Type)} {name};"
                : $"{CType(local?.Type)} {name} = {EmitExpression(variable.Initializer.Value)};");
        }
    }

    /// <summary>
    /// <c>var tile = Shared.Allocate&lt;float&gt;(N)</c> becomes a fixed-size array hoisted to kernel scope
    /// (OpenCL allows __local declarations nowhere else); N must be known when the source is compiled.
    /// </summary>
    private void DeclareShared(LocalDeclarationStatementSyntax statement, VariableDeclaratorSyntax variable, ILocalSymbol? local, InvocationExpressionSyntax invocation)
    {
        if (isHelper)
        {
            Report(DiagnosticDescriptors.SyncInHelper, invocation, "Shared.Allocate", method.Name);
            return;
        }
        if (statement.Parent is not BlockSyntax { Parent: MethodDeclarationSyntax })
            Report(DiagnosticDescriptors.SharedAllocationPlacement, invocation);
        features |= FeatureFlags.SharedMemory;
        var element = Known.ElementType(local?.Type);
        var lengthArgument = invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression;
        string length = "1";
        if (lengthArgument is not null)
        {
            if (!IsCompileTimeConstant(lengthArgument))
                Report(DiagnosticDescriptors.NonConstantSharedLength, lengthArgument, lengthArgument.ToString());
            length = EmitExpression(lengthArgument);
        }
        string name = CName(variable.Identifier.Text);
        // 16-byte aligned whatever the element, so a kernel may load and store 128-bit vectors (uint4/float4) of it.
        hoisted.Add($"{dialect.SharedDeclaration} {CType(element)} {name}[{length}] __attribute__((aligned(16)));");
        if (local is not null) views[local] = new ViewInfo(ViewKind.Shared, "(" + length + ")");
    }

    /// <summary>Literals, constants and [Specialize] parameters combined by operators.</summary>
    private bool IsCompileTimeConstant(ExpressionSyntax expression)
    {
        if (model.GetConstantValue(expression).HasValue) return true;
        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return IsCompileTimeConstant(parenthesized.Expression);
            case BinaryExpressionSyntax binary:
                return IsCompileTimeConstant(binary.Left) && IsCompileTimeConstant(binary.Right);
            case PrefixUnaryExpressionSyntax unary:
                return IsCompileTimeConstant(unary.Operand);
            case CastExpressionSyntax cast:
                return IsCompileTimeConstant(cast.Expression);
            case IdentifierNameSyntax identifier:
                return model.GetSymbolInfo(identifier).Symbol is IParameterSymbol parameter
                    && (Known.HasAttribute(parameter, Known.SpecializeAttribute) || Known.IsSpecializedValue(parameter.Type));
            case MemberAccessExpressionSyntax { Name.Identifier.Text: "Value" } access:
                return Known.IsSpecializedValue(model.GetTypeInfo(access.Expression).Type) && IsCompileTimeConstant(access.Expression);
            default:
                return false;
        }
    }
}
