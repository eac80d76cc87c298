namespace Mistral.Gpu.Language;

/// <summary>
/// Marks an <c>int</c> kernel parameter as a compile-time constant: the device source is compiled
/// once per distinct value (it becomes a <c>#define</c>), so loops bounded by it unroll and arrays
/// sized by it live in registers or shared memory. Compiled variants are cached per value.
/// </summary>
/// <param name="supported">The values the kernel supports; the launcher rejects any other value
/// with an <see cref="ArgumentException"/>, and <c>mistral-gpu kernels --check</c> compiles each.</param>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class SpecializeAttribute(params int[] supported) : Attribute
{
    /// <summary>The supported values.</summary>
    public IReadOnlyList<int> Supported { get; } = supported;
}
