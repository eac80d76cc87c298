using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels.Parity;

/// <summary>
/// A kernel variant broken on purpose, for the tests that prove a verification catches a wrong kernel: SwiGLU launched
/// over one element fewer than its reference covers (an off-by-one grid, the commonest launch bug), so the last output
/// keeps its initial zero. Never part of <see cref="ParityTable.All"/>.
/// </summary>
public static class BrokenParityCase
{
    /// <summary>The row: it fails on every backend, with the last element named.</summary>
    public static ParityCase SwiGluMissingLastElement { get; } = new("swiglu", "deliberately broken: one element short", "4097 elements",
        "1e-30 + 1e-5·|y|", "a test-only variant that must fail: the grid misses the last element", Check);

    private static void Check(Accelerator accelerator, ParityCheck check)
    {
        const int count = 4097;
        float[] gate = ParityData.Random(count, 11, 8f), up = ParityData.Random(count, 12, 2f);
        var expected = new double[count];
        for (int i = 0; i < count; i++) expected[i] = gate[i] / (1 + Math.Exp(-(double)gate[i])) * up[i];
        using var g = accelerator.Upload<float>(gate);
        using var u = accelerator.Upload<float>(up);
        using var y = accelerator.Allocate<float>(count);
        MistralKernels.SwiGlu(accelerator, g, u, y, count - 1);
        check.Close(expected, y.ToArray(), 1e-30, 1e-5, "one element short");
    }
}
