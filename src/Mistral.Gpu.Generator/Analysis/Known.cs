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

    public static bool Is(ITypeSymbol? type, string metadataName) =>
        type is not null && type.OriginalDefinition.ToDisplayString() == metadataName;

    public static bool IsMemberOf(ISymbol? symbol, string typeName) =>
        symbol?.ContainingType is { } owner && owner.ToDisplayString() == typeName;

    public static ViewKind ViewKindOf(ITypeSymbol? type) => type?.OriginalDefinition.ToDisplayString() switch
    {
        Language + ".View<T>" => ViewKind.Global,
        Language + ".ReadOnlyView<T>" => ViewKind.GlobalReadOnly,
        Language + ".SharedView<T>" => ViewKind.Shared,
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

    public static bool IsBarrier(IMethodSymbol? method) => method is { Name: "Barrier" } && IsMemberOf(method, Group);

    public static bool IsWarpCollective(IMethodSymbol? method) => method is not null && IsMemberOf(method, Warp);

    public static bool IsSharedAllocate(IMethodSymbol? method) => method is { Name: "Allocate" } && IsMemberOf(method, Shared);

    /// <summary>Context members whose value differs between lanes of one group.</summary>
    public static bool IsLaneDependentContextMember(ISymbol? symbol) =>
        symbol is IPropertySymbol { Name: "LaneId" or "GlobalId" or "LinearLaneId" or "WarpLaneId" or "WarpId" } && IsMemberOf(symbol, KernelContext);

    public static bool IsHelper(IMethodSymbol method) => HasAttribute(method.OriginalDefinition, KernelHelperAttribute);

    /// <summary>A stable key for a helper across pipeline steps.</summary>
    public static string HelperId(IMethodSymbol method) => method.OriginalDefinition.GetDocumentationCommentId() ?? method.ToDisplayString();
}
