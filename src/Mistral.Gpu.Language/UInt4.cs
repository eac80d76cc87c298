namespace Mistral.Gpu.Language;

/// <summary>Four 32-bit words moved as one 128-bit access (CUDA/OpenCL <c>uint4</c>): 32 int4 weights or 8 halves.</summary>
/// <param name="X">Word 0.</param>
/// <param name="Y">Word 1.</param>
/// <param name="Z">Word 2.</param>
/// <param name="W">Word 3.</param>
public record struct UInt4(uint X, uint Y, uint Z, uint W);
