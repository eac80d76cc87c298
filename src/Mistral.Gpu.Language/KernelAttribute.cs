namespace Mistral.Gpu.Language;

/// <summary>
/// Marks a <c>static void</c> method of a <c>static partial class</c> as a device kernel.
/// The Mistral.Gpu generator translates it into CUDA C and OpenCL C at build time and emits a typed
/// launcher named <c>{Method}Kernel</c> nested in the same class.
/// </summary>
/// <remarks>The first parameter must be a <see cref="KernelContext"/>; the rest are views, scalars
/// or <see cref="SpecializeAttribute"/> constants.</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class KernelAttribute : Attribute
{
}
