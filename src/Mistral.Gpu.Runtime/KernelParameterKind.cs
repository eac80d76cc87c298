namespace Mistral.Gpu.Runtime;

/// <summary>How a kernel parameter is passed.</summary>
public enum KernelParameterKind
{
    /// <summary>A <c>View&lt;T&gt;</c>: device memory the kernel may write.</summary>
    Buffer,
    /// <summary>A <c>ReadOnlyView&lt;T&gt;</c>: device memory the kernel only reads.</summary>
    ReadOnlyBuffer,
    /// <summary>A scalar passed by value.</summary>
    Scalar,
    /// <summary>A <c>[Specialize]</c> compile-time constant: selects a compiled variant.</summary>
    Specialization,
}
