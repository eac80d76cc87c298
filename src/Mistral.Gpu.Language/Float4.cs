namespace Mistral.Gpu.Language;

/// <summary>Four floats moved as one 128-bit access (CUDA/OpenCL <c>float4</c>).</summary>
/// <param name="X">Element 0.</param>
/// <param name="Y">Element 1.</param>
/// <param name="Z">Element 2.</param>
/// <param name="W">Element 3.</param>
public record struct Float4(float X, float Y, float Z, float W);
