namespace Mistral.Gpu.Language;

/// <summary>
/// Marks an ILGPU <c>ArrayView</c> kernel parameter that may be the same memory as another parameter (SwiGLU's gate
/// and output, say). The translator makes a view the kernel never writes <c>const T* restrict</c>, which promises no
/// aliasing; a view with this attribute is passed as a plain pointer instead.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class MayAliasAttribute : Attribute;
