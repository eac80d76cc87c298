using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>SwiGLU, y = silu(gate)·up, against the double formula, out of place and in place over the gate.</summary>
internal static class SwiGluParity
{
    private static readonly int[] Counts = [1, 3, 37, 100, 4096, 4097, 14336 * 3];

    public static IEnumerable<ParityCase> Cases() => Counts.Select(count => new ParityCase("swiglu", $"count {count}", $"{count} elements",
        "1e-30 + 1e-5·|y|",
        "exp, one division and two multiplications in fp32 with a device exp within a few ulp: 1e-5 relative is ~100 ulp " +
        "of headroom; 1e-30 absolute lets the gate -100 tail (~1e-42 exactly) come back as -0.",
        (a, check) => Check(a, check, count)));

    private static void Check(Accelerator accelerator, ParityCheck check, int count)
    {
        float[] gate = ParityData.Random(count, 11, 8f);
        float[] up = ParityData.Random(count, 12, 2f);
        // The tails of silu: exp(-g) overflows to +inf for g < -88, where g / inf must give -0, not NaN.
        if (count >= 3)
        {
            gate[0] = -100f;
            gate[1] = 100f;
            gate[2] = 0f;
        }
        var expected = new double[count];
        for (int i = 0; i < count; i++) expected[i] = gate[i] / (1 + Math.Exp(-(double)gate[i])) * up[i];
        using var g = accelerator.Upload<float>(gate);
        using var u = accelerator.Upload<float>(up);
        using var y = accelerator.Allocate<float>(count);
        MistralKernels.SwiGlu(accelerator, g, u, y, count);
        check.Close(expected, y.ToArray(), 1e-30, 1e-5, "out of place");

        // In place over the gate, on a window one element into its buffer (unaligned: scalar path).
        using var shifted = accelerator.Allocate<float>(count + 1);
        shifted.CopyFrom(gate, 1);
        var window = shifted.Slice(1, count);
        MistralKernels.SwiGlu(accelerator, window, u, window, count);
        check.Close(expected, shifted.ToArray().AsSpan(1), 1e-30, 1e-5, "in place");
    }
}
