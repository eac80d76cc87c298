namespace Mistral.Gpu.Generator.Models;

/// <summary>How a kernel parameter travels (mirrors the runtime's KernelParameterKind).</summary>
internal enum ParameterKind
{
    View,
    ReadOnlyView,
    Scalar,
    Specialization,
}

/// <summary>One kernel parameter after the context, as strings only.</summary>
/// <param name="Name">The C# name.</param>
/// <param name="Kind">How it is passed.</param>
/// <param name="ElementType">Fully qualified C# type of the element (views) or of the value (scalars).</param>
/// <param name="KernelArgumentAccessor">The <c>KernelArgument</c> method that unpacks it on the CPU (<c>AsView&lt;float&gt;()</c>, <c>AsInt32()</c>).</param>
/// <param name="SupportedValues">For a specialization, its values as C# text (<c>16, 32</c>).</param>
/// <param name="Extent">For a view with [Extent], the expression rewritten over unpacked locals.</param>
/// <param name="ExtentText">The expression as written, for the error message.</param>
internal sealed record ParameterModel(
    string Name,
    ParameterKind Kind,
    string ElementType,
    string KernelArgumentAccessor,
    string? SupportedValues,
    string? Extent,
    string? ExtentText)
{
    public bool IsView => Kind is ParameterKind.View or ParameterKind.ReadOnlyView;
}
