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
    private string EmitExpression(ExpressionSyntax expression)
    {
        // Named constants (const fields and locals, Warp.Size, float.NegativeInfinity, sizeof) become their values.
        if (expression is IdentifierNameSyntax or MemberAccessExpressionSyntax or SizeOfExpressionSyntax or DefaultExpressionSyntax
            && model.GetConstantValue(expression) is { HasValue: true } constant)
        {
            return constant.Value is string
                ? Unsupported(DiagnosticDescriptors.Strings, expression, "a string constant")
                : CLiterals.Format(constant.Value, model.GetTypeInfo(expression).Type, dialect);
        }

        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return "(" + EmitExpression(parenthesized.Expression) + ")";
            case LiteralExpressionSyntax literal:
                return EmitLiteral(literal);
            case IdentifierNameSyntax identifier:
                return EmitIdentifier(identifier);
            case MemberAccessExpressionSyntax memberAccess:
                return EmitMemberAccess(memberAccess);
            case ElementAccessExpressionSyntax elementAccess:
                return EmitElementAccess(elementAccess);
            case BinaryExpressionSyntax binary:
                return EmitBinary(binary);
            case PrefixUnaryExpressionSyntax prefix:
                CheckSixteenBitArithmetic(prefix, prefix.OperatorToken.Text);
                return prefix.OperatorToken.Text + EmitExpression(prefix.Operand);
            case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                return UnsupportedSyntax(postfix, "The null-forgiving operator", "kernels have no references to be null");
            case PostfixUnaryExpressionSyntax postfix:
                CheckSixteenBitArithmetic(postfix, postfix.OperatorToken.Text);
                return EmitExpression(postfix.Operand) + postfix.OperatorToken.Text;
            case AssignmentExpressionSyntax assignment:
                return EmitAssignment(assignment);
            case ConditionalExpressionSyntax conditional:
                return $"{EmitExpression(conditional.Condition)} ? {EmitExpression(conditional.WhenTrue)} : {EmitExpression(conditional.WhenFalse)}";
            case CastExpressionSyntax cast:
                return EmitCast(cast);
            case InvocationExpressionSyntax invocation:
                return EmitInvocation(invocation);
            case BaseObjectCreationExpressionSyntax creation:
                return EmitCreation(creation);
            case CheckedExpressionSyntax uncheckedExpression when uncheckedExpression.IsKind(SyntaxKind.UncheckedExpression):
                return "(" + EmitExpression(uncheckedExpression.Expression) + ")";
            case CheckedExpressionSyntax:
                return UnsupportedSyntax(expression, "checked arithmetic", "devices cannot trap on overflow; remove 'checked'");
            case AnonymousFunctionExpressionSyntax:
                return Unsupported(DiagnosticDescriptors.Lambda, expression, "A lambda or anonymous method");
            case QueryExpressionSyntax:
                return Unsupported(DiagnosticDescriptors.Linq, expression, "a query expression");
            case InterpolatedStringExpressionSyntax:
                return Unsupported(DiagnosticDescriptors.Strings, expression, "an interpolated string");
            case ThrowExpressionSyntax:
                return Unsupported(DiagnosticDescriptors.Exceptions, expression, "throw");
            case ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or StackAllocArrayCreationExpressionSyntax
                or ImplicitStackAllocArrayCreationExpressionSyntax or CollectionExpressionSyntax:
                return Unsupported(DiagnosticDescriptors.NewReferenceType, expression, model.GetTypeInfo(expression).Type?.ToDisplayString() ?? "array");
            case IsPatternExpressionSyntax or SwitchExpressionSyntax:
                return UnsupportedSyntax(expression, "Pattern matching", "compare values with ==, <, && and use the ?: operator");
            case TupleExpressionSyntax:
                return UnsupportedSyntax(expression, "A tuple", "use separate locals");
            case AwaitExpressionSyntax:
                return UnsupportedSyntax(expression, "await", "kernels are synchronous");
            case RefExpressionSyntax:
                return UnsupportedSyntax(expression, "A ref expression", "pass 'ref view[i]' only to Atomic methods");
            case ConditionalAccessExpressionSyntax:
                return UnsupportedSyntax(expression, "The ?. operator", "kernels have no references to be null");
            case TypeOfExpressionSyntax:
                return UnsupportedSyntax(expression, "typeof", "types do not exist at run time on a device");
            case ThisExpressionSyntax or BaseExpressionSyntax:
                return UnsupportedSyntax(expression, "'this'", "kernels and helpers are static");
            default:
                return UnsupportedSyntax(expression, $"The expression kind {expression.Kind()}",
                    "use arithmetic, comparisons, casts, view indexing and calls to intrinsics or [KernelHelper] methods");
        }
    }

    private string EmitLiteral(LiteralExpressionSyntax literal)
    {
        switch (literal.Kind())
        {
            case SyntaxKind.StringLiteralExpression or SyntaxKind.Utf8StringLiteralExpression:
                return Unsupported(DiagnosticDescriptors.Strings, literal, "a string literal");
            case SyntaxKind.NullLiteralExpression:
                return Unsupported(DiagnosticDescriptors.ReferenceType, literal, "null");
            case SyntaxKind.TrueLiteralExpression:
                return "true";
            case SyntaxKind.FalseLiteralExpression:
                return "false";
        }
        var type = model.GetTypeInfo(literal).Type;
        return CLiterals.AsWritten(literal.Token, type)
            ?? CLiterals.Format(model.GetConstantValue(literal).Value, type, dialect);
    }

    private string EmitIdentifier(IdentifierNameSyntax identifier)
    {
        var symbol = model.GetSymbolInfo(identifier).Symbol;
        switch (symbol)
        {
            case IParameterSymbol parameter when !isHelper && (Known.HasAttribute(parameter, Known.SpecializeAttribute) || Known.IsSpecializedValue(parameter.Type)):
                // A macro of its own namespace, so a helper parameter or local of the same name stays a variable.
                return SpecializationMacro(parameter.Name);
            case ILocalSymbol or IParameterSymbol:
                return CName(identifier.Identifier.Text);
            case IFieldSymbol field:
                return field.Type.IsReferenceType
                    ? Unsupported(DiagnosticDescriptors.ReferenceType, identifier, field.Type.ToDisplayString())
                    : UnsupportedSyntax(identifier, $"The non-constant field '{field.Name}'", "devices share no mutable static state: make it a const, or pass it as a parameter");
            default:
                return UnsupportedSyntax(identifier, $"'{identifier}'", "use locals, parameters and constants");
        }
    }

    private string EmitElementAccess(ElementAccessExpressionSyntax access)
    {
        var targetType = model.GetTypeInfo(access.Expression).Type;
        if (Known.ViewKindOf(targetType) == ViewKind.None)
        {
            return targetType is { IsReferenceType: true }
                ? Unsupported(DiagnosticDescriptors.ReferenceType, access.Expression, targetType.ToDisplayString())
                : UnsupportedSyntax(access, $"Indexing a {targetType?.ToDisplayString() ?? "value"}", "index View<T>, ReadOnlyView<T> or SharedView<T> only");
        }
        if (access.ArgumentList.Arguments.Count != 1)
            return UnsupportedSyntax(access, "A multi-dimensional index", "compute a linear index: row * cols + col");
        return $"{EmitExpression(access.Expression)}[{EmitExpression(access.ArgumentList.Arguments[0].Expression)}]";
    }

    private string EmitBinary(BinaryExpressionSyntax binary)
    {
        string op = binary.OperatorToken.Text;
        switch (binary.Kind())
        {
            case SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression:
                return $"{EmitExpression(binary.Left)} {op} {EmitExpression(binary.Right)}";
            case SyntaxKind.IsExpression or SyntaxKind.AsExpression:
                return UnsupportedSyntax(binary, $"The '{op}' operator", "kernels know every type statically; cast with (T)x");
            case SyntaxKind.CoalesceExpression:
                return UnsupportedSyntax(binary, "The ?? operator", "kernels have no references to be null");
        }
        var operatorMethod = model.GetSymbolInfo(binary).Symbol as IMethodSymbol;
        if (operatorMethod?.Parameters.Any(p => p.Type.SpecialType == SpecialType.System_String) == true
            || model.GetTypeInfo(binary).Type?.SpecialType == SpecialType.System_String)
            return Unsupported(DiagnosticDescriptors.Strings, binary, "string concatenation");
        if (CheckSixteenBitArithmetic(binary, op)) return "0";
        string left = EmitOperand(binary.Left, operatorMethod?.Parameters[0].Type);
        string right = EmitOperand(binary.Right, operatorMethod?.Parameters[1].Type);
        var resultType = operatorMethod?.ReturnType;
        if (binary.IsKind(SyntaxKind.ModuloExpression) && resultType?.SpecialType is SpecialType.System_Single or SpecialType.System_Double)
            return string.Format(resultType.SpecialType == SpecialType.System_Single ? dialect.FloatRemainder : dialect.DoubleRemainder, left, right);
        return $"{left} {op} {right}";
    }

    /// <summary>Half has C# operators but no device arithmetic in OpenCL C 1.2: make the conversion explicit.</summary>
    private bool CheckSixteenBitArithmetic(ExpressionSyntax expression, string op)
    {
        if (model.GetSymbolInfo(expression).Symbol is IMethodSymbol { ContainingType: var owner } && CTypes.Key(owner) == "Half")
        {
            Report(DiagnosticDescriptors.HalfArithmetic, expression, op, "Half");
            return true;
        }
        return false;
    }

    /// <summary>
    /// An operand converted to the type the operation computes in, as C# does implicitly (C's usual
    /// arithmetic conversions differ, e.g. int + uint). Constants are re-typed rather than cast.
    /// </summary>
    private string EmitOperand(ExpressionSyntax operand, ITypeSymbol? target)
    {
        var type = model.GetTypeInfo(operand).Type;
        if (target is null || type is null || SymbolEqualityComparer.Default.Equals(type, target) || CTypes.Key(target) is null)
            return EmitExpression(operand);
        // A SpecializedValue<T> read as its T is the macro itself, already of that type.
        if (Known.IsSpecializedValue(type) && SymbolEqualityComparer.Default.Equals(Known.ElementType(type), target))
            return EmitExpression(operand);
        var constant = model.GetConstantValue(operand);
        if (constant.HasValue && constant.Value is not string)
            return CLiterals.Format(constant.Value, target, dialect);
        return $"({CType(target)}){Wrap(EmitExpression(operand), operand)}";
    }

    private static string Wrap(string text, ExpressionSyntax syntax) =>
        syntax is IdentifierNameSyntax or LiteralExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax
            or MemberAccessExpressionSyntax or ParenthesizedExpressionSyntax
            ? text
            : "(" + text + ")";

    private string EmitAssignment(AssignmentExpressionSyntax assignment)
    {
        if (assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression))
            return UnsupportedSyntax(assignment, "The ??= operator", "kernels have no references to be null");
        if (assignment.Left is TupleExpressionSyntax)
            return UnsupportedSyntax(assignment, "A deconstructing assignment", "assign each local separately");
        if (!assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && CheckSixteenBitArithmetic(assignment, assignment.OperatorToken.Text))
            return "0";
        if (Known.ViewKindOf(model.GetTypeInfo(assignment.Left).Type) != ViewKind.None)
            return Unsupported(DiagnosticDescriptors.ViewAlias, assignment, assignment.ToString());
        var leftType = model.GetTypeInfo(assignment.Left).Type;
        string right = assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
            ? EmitOperand(assignment.Right, leftType)
            : EmitExpression(assignment.Right);
        return $"{EmitExpression(assignment.Left)} {assignment.OperatorToken.Text} {right}";
    }

    private string EmitCast(CastExpressionSyntax cast)
    {
        var target = model.GetTypeInfo(cast.Type).Type;
        var source = model.GetTypeInfo(cast.Expression).Type;
        string inner = EmitExpression(cast.Expression);
        string? targetKey = CTypes.Key(target), sourceKey = CTypes.Key(source);
        if (SymbolEqualityComparer.Default.Equals(target, source)) return inner;
        if (targetKey is null)
        {
            CheckValueType(target, cast.Type, "cast target");
            return "0";
        }
        // 16-bit floats are bits in C: conversions go through the prelude, rounding to nearest even.
        if (sourceKey is "Half" or "BFloat16")
        {
            features |= FeatureFlags.Half;
            string widened = (sourceKey == "Half" ? "mgpu_half_to_float(" : "mgpu_bf16_to_float(") + inner + ")";
            return targetKey == "float" ? widened : $"({CType(target)}){widened}";
        }
        if (targetKey is "Half" or "BFloat16")
        {
            features |= FeatureFlags.Half;
            string narrow = sourceKey == "float" ? inner : "(float)" + Wrap(inner, cast.Expression);
            return (targetKey == "Half" ? "mgpu_float_to_half(" : "mgpu_float_to_bf16(") + narrow + ")";
        }
        return $"({CType(target)}){Wrap(inner, cast.Expression)}";
    }

    private string EmitCreation(BaseObjectCreationExpressionSyntax creation)
    {
        var type = model.GetTypeInfo(creation).Type;
        if (type is null || type.IsReferenceType)
            return Unsupported(DiagnosticDescriptors.NewReferenceType, creation, type?.ToDisplayString() ?? creation.ToString());
        string? key = CTypes.Key(type);
        if (key is not ("Float4" or "UInt4"))
            return Unsupported(DiagnosticDescriptors.UnsupportedType, creation, type.ToDisplayString(), "only Float4 and UInt4 can be constructed");
        if (creation.Initializer is not null)
            return UnsupportedSyntax(creation, "An object initializer", $"pass all four components: new {key}(x, y, z, w)");
        var arguments = creation.ArgumentList?.Arguments ?? default;
        var component = key == "Float4" ? "float" : "uint";
        var componentType = ((INamedTypeSymbol)type).GetMembers("X").OfType<IPropertySymbol>().FirstOrDefault()?.Type;
        string values = arguments.Count == 4
            ? string.Join(", ", arguments.Select(a => EmitOperand(a.Expression, componentType)))
            : component == "float" ? "0.0f, 0.0f, 0.0f, 0.0f" : "0u, 0u, 0u, 0u";
        return string.Format(key == "Float4" ? dialect.Float4Constructor : dialect.UInt4Constructor, values);
    }
}
