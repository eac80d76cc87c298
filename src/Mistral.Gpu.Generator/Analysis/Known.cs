using System.Linq;
using Microsoft.CodeAnalysis;

namespace Mistral.Gpu.Generator.Analysis;

/// <summary>Where a view's memory lives.</summary>
internal enum ViewKind
{
    None,
    Global,
    GlobalReadOnly,
    Shared,
    // A helper's ReadOnlyView parameter in the copy of the helper that a shared view is passed to.
    SharedReadOnly,
}

/// <summary>Recognises the kernel language's types and members by metadata name.</summary>
internal static class Known
{
    public const string Language = "Mistral.Gpu.Language";
    public const string KernelAttribute = Language + ".KernelAttribute";
    public const string KernelHelperAttribute = Language + ".KernelHelperAttribute";
    public const string SpecializeAttribute = Language + ".SpecializeAttribute";
    public const string ExtentAttribute = Language + ".ExtentAttribute";
    public const string CpuGroupBodyAttribute = Language + ".CpuGroupBodyAttribute";
    public const string MayAliasAttribute = Language + ".MayAliasAttribute";
    public const string CpuGroup = Language + ".Cpu.CpuGroup";
    public const string KernelContext = Language + ".KernelContext";
    public const string KMath = Language + ".KMath";
    public const string Atomic = Language + ".Atomic";
    public const string Warp = Language + ".Warp";
    public const string Group = Language + ".Group";
    public const string Shared = Language + ".Shared";
    public const string VectorMemory = Language + ".VectorMemory";
    public const string BFloat16 = Language + ".BFloat16";
    public const string Float4 = Language + ".Float4";
    public const string UInt4 = Language + ".UInt4";
    public const string Mma = Language + ".Mma";

    // ILGPU's kernel API: a kernel that takes no KernelContext is written against these.
    public const string IlgpuArrayView = "ILGPU.ArrayView<T>";
    public const string IlgpuGrid = "ILGPU.Grid";
    public const string IlgpuGroup = "ILGPU.Group";
    public const string IlgpuWarp = "ILGPU.Warp";
    public const string IlgpuSharedMemory = "ILGPU.SharedMemory";
    public const string IlgpuAtomic = "ILGPU.Atomic";
    public const string IlgpuMemoryFence = "ILGPU.MemoryFence";
    public const string IlgpuHalf = "ILGPU.Half";
    public const string IlgpuIndex3D = "ILGPU.Index3D";
    public const string SpecializedValue = "ILGPU.Runtime.SpecializedValue<T>";
    public const string XMath = "ILGPU.Algorithms.XMath";
    public const string WarpExtensions = "ILGPU.Algorithms.WarpExtensions";

    public static bool Is(ITypeSymbol? type, string metadataName) =>
        type is not null && type.OriginalDefinition.ToDisplayString() == metadataName;

    public static bool IsMemberOf(ISymbol? symbol, string typeName) =>
        symbol?.ContainingType is { } owner && owner.ToDisplayString() == typeName;

    public static ViewKind ViewKindOf(ITypeSymbol? type) => type?.OriginalDefinition.ToDisplayString() switch
    {
        Language + ".View<T>" => ViewKind.Global,
        Language + ".ReadOnlyView<T>" => ViewKind.GlobalReadOnly,
        Language + ".SharedView<T>" => ViewKind.Shared,
        // Whether an ILGPU view is written, or lives in group memory, is decided per symbol (ViewWrites, the emitter).
        IlgpuArrayView => ViewKind.Global,
        _ => ViewKind.None,
    };

    public static ITypeSymbol? ElementType(ITypeSymbol? viewType) =>
        viewType is INamedTypeSymbol { TypeArguments.Length: 1 } named ? named.TypeArguments[0] : null;

    public static bool HasAttribute(ISymbol symbol, string attributeName)
    {
        foreach (var attribute in symbol.GetAttributes())
            if (attribute.AttributeClass?.ToDisplayString() == attributeName) return true;
        return false;
    }

    public static bool IsBarrier(IMethodSymbol? method) => method is { Name: "Barrier" } && (IsMemberOf(method, Group) || IsMemberOf(method, IlgpuGroup));

    public static bool IsWarpCollective(IMethodSymbol? method) =>
        method is not null && (IsMemberOf(method, Warp) || IsIlgpuShuffle(method) || IsIlgpuWarpReduction(method) || IsMma(method));

    /// <summary><c>Mma.M16N8K16</c>: a warp-wide tensor-core tile, synchronising like a shuffle.</summary>
    public static bool IsMma(IMethodSymbol method) => method is { Name: "M16N8K16" } && IsMemberOf(method, Mma);

    /// <summary>ILGPU's <c>Warp.Shuffle</c>, <c>ShuffleXor</c>, <c>ShuffleDown</c>, <c>ShuffleUp</c> (the two-argument forms).</summary>
    public static bool IsIlgpuShuffle(IMethodSymbol method) =>
        method is { Name: "Shuffle" or "ShuffleXor" or "ShuffleDown" or "ShuffleUp", Parameters.Length: 2 } && IsMemberOf(method, IlgpuWarp);

    /// <summary>ILGPU.Algorithms' <c>Warp.AllReduce&lt;T, AddFloat|MaxFloat|MinFloat|AddInt32...&gt;(value)</c>.</summary>
    public static bool IsIlgpuWarpReduction(IMethodSymbol method) =>
        method is { Name: "AllReduce", TypeArguments.Length: 2 } && IsMemberOf(method, WarpExtensions);

    /// <summary>The reduction an ILGPU.Algorithms warp reduction performs: Sum, Max or Min (from its operation type's name).</summary>
    public static string? IlgpuReductionKind(IMethodSymbol method) => method.TypeArguments[1].Name switch
    {
        var n when n.StartsWith("Add", System.StringComparison.Ordinal) => "Sum",
        var n when n.StartsWith("Max", System.StringComparison.Ordinal) => "Max",
        var n when n.StartsWith("Min", System.StringComparison.Ordinal) => "Min",
        _ => null,
    };

    public static bool IsSharedAllocate(IMethodSymbol? method) =>
        method is { Name: "Allocate" } && (IsMemberOf(method, Shared) || IsMemberOf(method, IlgpuSharedMemory));

    /// <summary>Context members whose value differs between lanes of one group.</summary>
    public static bool IsLaneDependentContextMember(ISymbol? symbol) =>
        symbol is IPropertySymbol { Name: "LaneId" or "GlobalId" or "LinearLaneId" or "WarpLaneId" or "WarpId" } && IsMemberOf(symbol, KernelContext)
        || symbol is IPropertySymbol { Name: "IdxX" or "IdxY" or "IdxZ" or "Index" or "LinearIndex" or "IsFirstThread" or "IsLastThread" } && IsMemberOf(symbol, IlgpuGroup)
        || symbol is IPropertySymbol { Name: "GlobalIndex" or "GlobalLinearIndex" or "LongGlobalIndex" } && IsMemberOf(symbol, IlgpuGrid)
        || symbol is IPropertySymbol { Name: "LaneIdx" or "WarpIdx" or "IsFirstLane" or "IsLastLane" } && IsMemberOf(symbol, IlgpuWarp);

    /// <summary>An ILGPU <c>SpecializedValue&lt;T&gt;</c> parameter.</summary>
    public static bool IsSpecializedValue(ITypeSymbol? type) => Is(type, SpecializedValue);

    public static bool IsHelper(IMethodSymbol method) => HasAttribute(method.OriginalDefinition, KernelHelperAttribute);

    /// <summary>A stable key for a helper across pipeline steps.</summary>
    public static string HelperId(IMethodSymbol method) => method.OriginalDefinition.GetDocumentationCommentId() ?? method.ToDisplayString();
}
