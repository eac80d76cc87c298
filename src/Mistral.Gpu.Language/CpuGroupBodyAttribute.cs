namespace Mistral.Gpu.Language;

/// <summary>
/// Names a hand-vectorised C# implementation of a kernel for the CPU backend: instead of stepping the
/// kernel's lanes one by one, the backend calls <c>static bool Method(CpuGroup group, ...the kernel's
/// parameters after the context...)</c> once per group. It must compute exactly what the group's lanes
/// would (the tests compare the two), using <see cref="System.Runtime.Intrinsics"/> for SIMD; it returns
/// false where the instructions it needs are missing, and the lanes run instead. GPU backends ignore it.
/// </summary>
/// <remarks>
/// Why it exists: on a CPU, a lane is a loop iteration on one core, so a kernel shaped for a GPU's
/// thousands of lanes leaves the core's vector units idle; the hot kernels (the int4 matrix products)
/// get a group body that streams memory at DRAM speed. <c>MGPU_CPU_LANES=1</c> (or
/// <c>new CpuAccelerator(useGroupBodies: false)</c>) runs the lanes, e.g. to step through the kernel
/// in a debugger.
/// </remarks>
/// <param name="type">The class holding the method.</param>
/// <param name="method">The method's name (use <c>nameof</c>).</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class CpuGroupBodyAttribute(Type type, string method) : Attribute
{
    /// <summary>The class holding the method.</summary>
    public Type Type { get; } = type;

    /// <summary>The method's name.</summary>
    public string Method { get; } = method;
}
