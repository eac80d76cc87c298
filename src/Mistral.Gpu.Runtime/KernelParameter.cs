namespace Mistral.Gpu.Runtime;

/// <summary>One parameter of a kernel, after the <c>KernelContext</c>.</summary>
/// <param name="Name">The C# parameter name.</param>
/// <param name="Kind">How it is passed.</param>
/// <param name="Type">The element type of a buffer, or the scalar's type (int for specializations).</param>
/// <param name="SupportedValues">For a specialization, the values it may take.</param>
public sealed record KernelParameter(string Name, KernelParameterKind Kind, Type Type, IReadOnlyList<int>? SupportedValues = null)
{
    /// <summary>True for views.</summary>
    public bool IsBuffer => Kind is KernelParameterKind.Buffer or KernelParameterKind.ReadOnlyBuffer;
}
