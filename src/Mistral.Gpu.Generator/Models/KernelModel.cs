namespace Mistral.Gpu.Generator.Models;

/// <summary>A containing type of a kernel, outermost first (<c>static partial class ProofKernels</c>).</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>Features the generator found, as the runtime's KernelFeatures bit values.</summary>
[System.Flags]
internal enum FeatureFlags
{
    None = 0,
    Barrier = 1,
    Warp = 2,
    SharedMemory = 4,
    Atomics = 8,
    Half = 16,
}

/// <summary>The device code of one translated function in both dialects.</summary>
internal sealed record DeviceCode(string Cuda, string OpenCL);

/// <summary>
/// Everything the output step needs about one <c>[Kernel]</c>, reduced to equatable strings: the
/// translated device code, the helpers it calls, the CPU iterator body and the diagnostics.
/// </summary>
internal sealed record KernelModel(
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string MethodName,
    string ContextName,
    EquatableArray<ParameterModel> Parameters,
    DeviceCode Code,
    EquatableArray<HelperCall> Helpers,
    FeatureFlags Features,
    string? CpuIteratorBody,
    string? CpuGroupBody,
    EquatableArray<string> Usings,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary><c>Class.Method</c>, the kernel's public name.</summary>
    public string QualifiedName => ContainingTypes[ContainingTypes.Count - 1].Name + "." + MethodName;

    public bool NeedsLockstep => (Features & (FeatureFlags.Barrier | FeatureFlags.Warp)) != 0;

    public bool HasErrors => Diagnostics.Count > 0;
}

/// <summary>
/// A call of a helper: which helper, and which of its address-space copies (Emit.HelperSpaces; empty in a
/// dialect where shared and global pointers are one type). The location is kept to report recursion.
/// </summary>
internal sealed record HelperCall(string CalleeId, string Spaces, LocationInfo? Location);

/// <summary>
/// One <c>[KernelHelper]</c> method, translated once and shared by every kernel that calls it. The OpenCL text comes
/// in one copy per address-space assignment of its <c>ReadOnlyView</c> parameters (a shared view converts to one),
/// since OpenCL C 1.2 has no pointer that takes both <c>__global</c> and <c>__local</c>; a source holds the copies its
/// kernel reaches.
/// </summary>
internal sealed record HelperModel(
    string Id,
    string Name,
    string Cuda,
    EquatableArray<HelperCall> Calls,
    EquatableArray<HelperCopy> OpenCL,
    FeatureFlags Features,
    string CpuCopy,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>One address-space copy of a helper's OpenCL text and the copies of other helpers it calls.</summary>
internal sealed record HelperCopy(string Spaces, string Code, EquatableArray<HelperCall> Calls);
