namespace Mistral.Gpu.Language;

/// <summary>
/// States how many elements a view parameter must hold, as a C# expression over the kernel's
/// scalar and specialized parameters (for example <c>"rows * cols"</c>). The generated launcher
/// checks it on the host before anything runs and throws an <see cref="ArgumentException"/>
/// naming the parameter when the buffer is too short.
/// </summary>
/// <param name="elements">The expression giving the minimum element count.</param>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class ExtentAttribute(string elements) : Attribute
{
    /// <summary>The expression giving the minimum element count.</summary>
    public string Elements { get; } = elements;
}
