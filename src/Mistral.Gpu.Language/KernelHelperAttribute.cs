namespace Mistral.Gpu.Language;

/// <summary>
/// Marks a static method as a device function that kernels may call. It is translated with the
/// kernel (CUDA <c>__device__</c>, OpenCL plain function). Helpers may not contain barriers, warp
/// collectives or shared-memory allocations: those must be visible in the kernel body itself.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class KernelHelperAttribute : Attribute
{
}
