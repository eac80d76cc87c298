using System.Collections.Generic;
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
    private string EmitMemberAccess(MemberAccessExpressionSyntax access)
    {
        var symbol = model.GetSymbolInfo(access).Symbol;
        string name = access.Name.Identifier.Text;

        if (IlgpuIndex(access, symbol) is { } index) return index;
        var receiverType = model.GetTypeInfo(access.Expression).Type;
        if (name is "Length" or "IntLength" && Known.ViewKindOf(receiverType) != ViewKind.None) return ViewLength(access.Expression);
        if (name == "Value" && Known.IsSpecializedValue(receiverType)) return EmitExpression(access.Expression);
        if (CTypes.Key(receiverType) is "Float4" or "UInt4" && name is "X" or "Y" or "Z" or "W")
            return EmitExpression(access.Expression) + "." + name.ToLowerInvariant();
        if (CTypes.Key(receiverType) == "BFloat16" && name == "Bits") return EmitExpression(access.Expression);
        if (symbol is IFieldSymbol { IsConst: false, IsStatic: true } field)
            return UnsupportedSyntax(access, $"The non-constant field '{field.Name}'", "devices share no mutable static state: make it a const, or pass it as a parameter");
        return UnsupportedSyntax(access, $"The member '{access}'", "use ILGPU's members (Grid/Group/Warp indices, view lengths), Float4/UInt4 components or constants");
    }

    private string ViewLength(ExpressionSyntax view)
    {
        if (model.GetSymbolInfo(view).Symbol is { } symbol && views.TryGetValue(symbol, out var info)) return info.Length;
        return Unsupported(DiagnosticDescriptors.ViewAlias, view, view.ToString());
    }

    private string EmitInvocation(InvocationExpressionSyntax invocation)
    {
        if (model.GetSymbolInfo(invocation).Symbol is not IMethodSymbol called)
            return Unsupported(DiagnosticDescriptors.UnsupportedCall, invocation, invocation.Expression.ToString());
        var target = called.ReducedFrom ?? called;
        string owner = target.ContainingType?.ToDisplayString() ?? "";
        var arguments = invocation.ArgumentList.Arguments;

        switch (owner)
        {
            case Known.IlgpuGroup when target.Name == "Barrier":
                if (isHelper) return Unsupported(DiagnosticDescriptors.SyncInHelper, invocation, "Group.Barrier()", method.Name);
                features |= FeatureFlags.Barrier;
                return dialect.Barrier;
            case Known.IlgpuWarp or Known.WarpExtensions when Known.IsWarpCollective(target):
                return EmitWarpCollective(invocation, target, arguments);
            case Known.Mma when Known.IsMma(target):
                return EmitMma(invocation, target, arguments);
            case Known.XMath:
                return EmitMath(invocation, target, arguments, XMathAsKMath(target.Name));
            case Known.IlgpuAtomic:
                return EmitAtomic(invocation, target, arguments);
            case Known.IlgpuMemoryFence when target.Name == "DeviceLevel":
                return dialect.DeviceFence;
            case Known.IlgpuSharedMemory:
                return isHelper
                    ? Unsupported(DiagnosticDescriptors.SyncInHelper, invocation, "Shared.Allocate", method.Name)
                    : Unsupported(DiagnosticDescriptors.SharedAllocationPlacement, invocation);
            case Known.KMath:
                return EmitMath(invocation, target, arguments);
            case Known.VectorMemory:
                return EmitVectorMemory(invocation, called, target, arguments);
            case Known.BFloat16 when target.Name == "FromBits" && arguments.Count == 1:
                features |= FeatureFlags.Half;
                return $"(ushort)({EmitExpression(arguments[0].Expression)})";
        }
        if (Known.IsHelper(target) && target.DeclaringSyntaxReferences.Length > 0)
            return EmitHelperCall(invocation, target, arguments);
        if (owner.StartsWith("System.Linq", System.StringComparison.Ordinal))
            return Unsupported(DiagnosticDescriptors.Linq, invocation, target.Name);
        return Unsupported(DiagnosticDescriptors.UnsupportedCall, invocation, target.ContainingType is null ? target.Name : $"{target.ContainingType.Name}.{target.Name}");
    }

    private string Arguments(SeparatedSyntaxList<ArgumentSyntax> arguments, IMethodSymbol target) =>
        string.Join(", ", arguments.Select((a, i) => EmitOperand(a.Expression, i < target.Parameters.Length ? target.Parameters[i].Type : null)));

    private string EmitMath(InvocationExpressionSyntax invocation, IMethodSymbol target, SeparatedSyntaxList<ArgumentSyntax> arguments, string? name = null)
    {
        string key = $"{name ?? target.Name}({CTypes.Key(target.Parameters.FirstOrDefault()?.Type)})";
        if (!dialect.Math.TryGetValue(key, out var format))
            return Unsupported(DiagnosticDescriptors.UnsupportedCall, invocation, $"{target.ContainingType.Name}.{target.Name}({CTypes.Key(target.Parameters.FirstOrDefault()?.Type)})");
        if (target.Name is "HalfLow" or "HalfHigh" or "PackHalves") features |= FeatureFlags.Half;
        var values = arguments.Select((a, i) => (object)EmitOperand(a.Expression, target.Parameters[i].Type)).ToArray();
        return string.Format(format, values);
    }

    /// <summary><c>Atomic.Add(ref view[i], v)</c> becomes a call on <c>&amp;view[i]</c>, per address space where the dialect needs it.</summary>
    private string EmitAtomic(InvocationExpressionSyntax invocation, IMethodSymbol target, SeparatedSyntaxList<ArgumentSyntax> arguments)
    {
        features |= FeatureFlags.Atomics;
        string key = $"{target.Name}({CTypes.Key(target.Parameters[0].Type)})";
        if (!dialect.Atomics.TryGetValue(key, out var format))
            return Unsupported(DiagnosticDescriptors.UnsupportedCall, invocation, "Atomic." + key);
        if (arguments.Count == 0 || arguments[0].Expression is not ElementAccessExpressionSyntax element
            || Known.ViewKindOf(model.GetTypeInfo(element.Expression).Type) is ViewKind.None or ViewKind.GlobalReadOnly)
            return UnsupportedSyntax(invocation, "An atomic on something other than a writable view element", "write Atomic.Add(ref view[i], value) on a View<T> or SharedView<T>");
        bool shared = InGroupMemory(element.Expression);
        var values = new List<object> { "&" + EmitExpression(element) };
        for (int i = 1; i < arguments.Count; i++) values.Add(EmitOperand(arguments[i].Expression, target.Parameters[i].Type));
        while (values.Count < 3) values.Add("");
        // ILGPU's CompareExchange takes (target, compare, value); the table's order is (target, value, comparand).
        if (target.Name == "CompareExchange" && Known.IsMemberOf(target, Known.IlgpuAtomic)) (values[1], values[2]) = (values[2], values[1]);
        return string.Format(format.Replace("{s}", shared ? dialect.SharedSuffix : dialect.GlobalSuffix), values.ToArray());
    }

    private string EmitVectorMemory(InvocationExpressionSyntax invocation, IMethodSymbol called, IMethodSymbol target, SeparatedSyntaxList<ArgumentSyntax> arguments)
    {
        // Extension form view.LoadFloat4(v) or static form VectorMemory.LoadFloat4(view, v).
        var operands = new List<ExpressionSyntax>();
        if (called.ReducedFrom is not null && invocation.Expression is MemberAccessExpressionSyntax receiver) operands.Add(receiver.Expression);
        operands.AddRange(arguments.Select(a => a.Expression));
        if (operands.Count < 2 || model.GetSymbolInfo(operands[0]).Symbol is not { } viewSymbol || !views.ContainsKey(viewSymbol))
            return Unsupported(DiagnosticDescriptors.ViewAlias, invocation, invocation.ToString());
        string format = target.Name switch
        {
            "LoadFloat4" => dialect.LoadFloat4,
            "LoadUInt4" => dialect.LoadUInt4,
            "StoreFloat4" => dialect.StoreFloat4,
            "StoreUInt4" => dialect.StoreUInt4,
            _ => "",
        };
        if (format.Length == 0) return Unsupported(DiagnosticDescriptors.UnsupportedCall, invocation, "VectorMemory." + target.Name);
        var values = operands.Select((o, i) => (object)(i == 0 ? EmitExpression(o) : EmitOperand(o, target.Parameters[i].Type))).ToArray();
        return string.Format(format, values);
    }

    /// <summary>
    /// Warp collectives lower to prelude functions (hardware shuffles on CUDA, a local-memory
    /// exchange on OpenCL). They must be whole statements so the CPU variant can split them into
    /// publish / step / read.
    /// </summary>
    private string EmitWarpCollective(InvocationExpressionSyntax invocation, IMethodSymbol target, SeparatedSyntaxList<ArgumentSyntax> arguments)
    {
        if (isHelper) return Unsupported(DiagnosticDescriptors.SyncInHelper, invocation, "Warp." + target.Name, method.Name);
        if (!IsStatementForm(invocation)) Report(DiagnosticDescriptors.WarpNotStatement, invocation, invocation.ToString(), target.Name);
        features |= FeatureFlags.Warp;
        string collective = Known.IsIlgpuWarpReduction(target) ? "Reduce" + Known.IlgpuReductionKind(target) : target.Name;
        if (collective == "Reduce")
            return UnsupportedSyntax(invocation, $"The warp reduction {target.TypeArguments[1].Name}", "reduce with AddFloat/AddInt32, MaxFloat/MaxInt32 or MinFloat/MinInt32");
        string function = collective switch
        {
            "ShuffleXor" => "mgpu_shfl_xor_",
            "ShuffleDown" => "mgpu_shfl_down_",
            "ShuffleUp" => "mgpu_shfl_up_",
            "Shuffle" => "mgpu_shfl_idx_",
            "ReduceSum" => "mgpu_warp_sum_",
            "ReduceMax" => "mgpu_warp_max_",
            _ => "mgpu_warp_min_",
        };
        string suffix = target.ReturnType.SpecialType switch
        {
            SpecialType.System_Single => "f",
            SpecialType.System_UInt32 => "u",
            _ => "i",
        };
        var operands = arguments.Select((a, i) => EmitOperand(a.Expression, target.Parameters[i].Type)).ToList();
        if (dialect.WarpPublish.Length > 0)
        {
            string bits = string.Format(dialect.WarpBits[suffix], operands[0]);
            foreach (var line in dialect.WarpPublish) pendingStatements.Add(string.Format(line, bits));
            operands.RemoveAt(0);
        }
        if (dialect.WarpScratch.Length > 0) operands.Insert(0, dialect.WarpScratch);
        return $"{function}{suffix}({string.Join(", ", operands)})";
    }

    /// <summary>
    /// <c>Mma.M16N8K16</c>: a warp collective (every lane of the warp takes part, a whole statement) lowered to the
    /// dialect's call, which synchronises inside the prelude function where the dialect emulates it.
    /// </summary>
    private string EmitMma(InvocationExpressionSyntax invocation, IMethodSymbol target, SeparatedSyntaxList<ArgumentSyntax> arguments)
    {
        if (isHelper) return Unsupported(DiagnosticDescriptors.SyncInHelper, invocation, "Mma." + target.Name, method.Name);
        if (!IsStatementForm(invocation)) Report(DiagnosticDescriptors.WarpNotStatement, invocation, invocation.ToString(), target.Name);
        features |= FeatureFlags.Warp | FeatureFlags.Half;
        var values = arguments.Select((a, i) => (object)EmitOperand(a.Expression, target.Parameters[i].Type)).ToArray();
        return string.Format(dialect.MatrixMultiply, values);
    }

    /// <summary>
    /// ILGPU's index properties as the dialect's builtins: <c>Grid.IdxX</c> (group), <c>Group.IdxX</c> (lane in group),
    /// <c>Grid.GlobalIndex.X</c>, <c>Group.DimX</c>, <c>Grid.DimX</c>, <c>Warp.LaneIdx</c>, <c>Warp.WarpIdx</c>; null for
    /// any other member.
    /// </summary>
    private string? IlgpuIndex(MemberAccessExpressionSyntax access, ISymbol? symbol)
    {
        if (symbol is not IPropertySymbol property) return null;
        string owner = property.ContainingType?.ToDisplayString() ?? "";
        int axis = property.Name.EndsWith("X", System.StringComparison.Ordinal) ? 0 : property.Name.EndsWith("Y", System.StringComparison.Ordinal) ? 1 : 2;
        // Grid.GlobalIndex.X, Group.Index.Y, ...: an Index3D component of an index property.
        if (owner == Known.IlgpuIndex3D && property.Name is "X" or "Y" or "Z" && access.Expression is MemberAccessExpressionSyntax inner
            && model.GetSymbolInfo(inner).Symbol is IPropertySymbol whole)
        {
            string wholeOwner = whole.ContainingType?.ToDisplayString() ?? "";
            return (wholeOwner, whole.Name) switch
            {
                (Known.IlgpuGrid, "GlobalIndex") => $"(int)({dialect.GroupId[axis]} * {dialect.GroupSize[axis]} + {dialect.LaneId[axis]})",
                (Known.IlgpuGrid, "Index") => $"(int){dialect.GroupId[axis]}",
                (Known.IlgpuGrid, "Dimension") => $"(int){dialect.GroupCount[axis]}",
                (Known.IlgpuGroup, "Index") => $"(int){dialect.LaneId[axis]}",
                (Known.IlgpuGroup, "Dimension") => $"(int){dialect.GroupSize[axis]}",
                _ => UnsupportedSyntax(access, $"{whole.ContainingType?.Name}.{whole.Name}.{property.Name}", "use Grid.GlobalIndex, Grid.Index, Group.Index or their Dimension"),
            };
        }
        return (owner, property.Name) switch
        {
            (Known.IlgpuGrid, "IdxX" or "IdxY" or "IdxZ") => $"(int){dialect.GroupId[axis]}",
            (Known.IlgpuGrid, "DimX" or "DimY" or "DimZ") => $"(int){dialect.GroupCount[axis]}",
            (Known.IlgpuGroup, "IdxX" or "IdxY" or "IdxZ") => $"(int){dialect.LaneId[axis]}",
            (Known.IlgpuGroup, "DimX" or "DimY" or "DimZ") => $"(int){dialect.GroupSize[axis]}",
            (Known.IlgpuGroup, "LinearIndex") => "mgpu_linear_lane()",
            (Known.IlgpuGroup, "IsFirstThread") => "(mgpu_linear_lane() == 0)",
            (Known.IlgpuWarp, "LaneIdx") => "(mgpu_linear_lane() & 31)",
            (Known.IlgpuWarp, "WarpIdx") => "(mgpu_linear_lane() >> 5)",
            (Known.IlgpuWarp, "IsFirstLane") => "((mgpu_linear_lane() & 31) == 0)",
            (Known.IlgpuWarp, "WarpSize") => "32",
            (Known.IlgpuGrid or Known.IlgpuGroup or Known.IlgpuWarp, _) =>
                UnsupportedSyntax(access, $"{property.ContainingType!.Name}.{property.Name}", "use Grid.IdxX/DimX/GlobalIndex, Group.IdxX/DimX/LinearIndex, Warp.LaneIdx/WarpIdx/WarpSize"),
            _ => null,
        };
    }

    /// <summary>ILGPU.Algorithms' <c>XMath</c> names where they differ from the dialect table's (KMath's) names.</summary>
    private static string XMathAsKMath(string name) => name switch
    {
        "Ceiling" => "Ceil",
        "RoundToEven" => "Round",
        _ => name,
    };

    /// <summary><c>var y = Warp.X(...);</c>, <c>y = Warp.X(...);</c> or <c>y += Warp.X(...);</c>.</summary>
    internal static bool IsStatementForm(InvocationExpressionSyntax invocation) => invocation.Parent switch
    {
        EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax } } } => true,
        AssignmentExpressionSyntax assignment => assignment.Right == invocation && assignment.Parent is ExpressionStatementSyntax
            && assignment.Left is IdentifierNameSyntax,
        _ => false,
    };

    private string EmitHelperCall(InvocationExpressionSyntax invocation, IMethodSymbol target, SeparatedSyntaxList<ArgumentSyntax> arguments)
    {
        if (SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, method.OriginalDefinition))
            Report(DiagnosticDescriptors.Recursion, invocation, target.Name);
        var values = new List<string>();
        var key = new System.Text.StringBuilder();
        for (int i = 0; i < arguments.Count && i < target.Parameters.Length; i++)
        {
            var parameter = target.Parameters[i];
            var argument = arguments[i].Expression;
            if (Known.ViewKindOf(parameter.Type) != ViewKind.None)
            {
                if (HelperSpaces.TakesEitherSpace(parameter, model) && !HasOnePointerSpace(dialect))
                    key.Append(InGroupMemory(argument) ? HelperSpaces.Local : HelperSpaces.Global);
                values.Add(EmitExpression(argument));
                values.Add(ViewLength(argument));
                continue;
            }
            if (!arguments[i].RefKindKeyword.IsKind(SyntaxKind.None))
            {
                values.Add(UnsupportedSyntax(arguments[i], "A ref/out argument", "return the value from the helper"));
                continue;
            }
            values.Add(EmitOperand(argument, parameter.Type));
        }
        calls.Add(new HelperCall(Known.HelperId(target), key.ToString(), LocationInfo.From(invocation)));
        return $"{HelperSpaces.Name(CName(target.Name), key.ToString())}({string.Join(", ", values)})";
    }

    /// <summary>Whether a view argument points into group memory: a SharedView, or a parameter of this copy that does.</summary>
    private bool InGroupMemory(ExpressionSyntax view) =>
        model.GetSymbolInfo(view).Symbol is { } symbol && views.TryGetValue(symbol, out var info)
            ? info.Kind is ViewKind.Shared or ViewKind.SharedReadOnly
            : Known.ViewKindOf(model.GetTypeInfo(view).Type) == ViewKind.Shared;
}
