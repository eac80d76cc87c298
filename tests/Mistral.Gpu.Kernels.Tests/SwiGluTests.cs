using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>SwiGLU against a double reference on every backend.</summary>
public sealed class SwiGluTests
{
    private static readonly int[] Counts = [1, 3, 37, 100, 4096, 4097, 14336 * 3];

    public static TheoryData<string, int> Table() => Rows("cpu");

    public static TheoryData<string, int> OpenCLTable() => Rows("opencl");

    private static TheoryData<string, int> Rows(string backend)
    {
        var data = new TheoryData<string, int>();
        foreach (int count in Counts) data.Add(backend, count);
        return data;
    }

    [Theory, MemberData(nameof(Table))]
    public void SwiGlu_matches_reference_cpu(string backend, int count) => Check(backend, count);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLTable))]
    public void SwiGlu_matches_reference_opencl(string backend, int count) => Check(backend, count);

    private static void Check(string backend, int count)
    {
        float[] gate = MatMulData.Random(count, 11, 8f);
        float[] up = MatMulData.Random(count, 12, 2f);
        // The tails of silu: exp(-g) overflows to +inf for g < -88, where g / inf must give -0, not NaN.
        if (count >= 3)
        {
            gate[0] = -100f;
            gate[1] = 100f;
            gate[2] = 0f;
        }
        var expected = new double[count];
        for (int i = 0; i < count; i++) expected[i] = gate[i] / (1 + Math.Exp(-(double)gate[i])) * up[i];
        MatMulBackends.With(backend, accelerator =>
        {
            using var g = accelerator.Upload<float>(gate);
            using var u = accelerator.Upload<float>(up);
            using var y = accelerator.Allocate<float>(count);
            MistralKernels.SwiGlu(accelerator, g, u, y, count);
            // exp, one division and two multiplications in fp32, device exp within a few ulp: 1e-5 relative is ~100 ulp
            // of headroom; 1e-30 absolute lets the -100 tail (~1e-42 exactly) come back as -0.
            MatMulData.Close(expected, y.ToArray(), 1e-5, 1e-30, $"{backend} count {count}");

            // In place over the gate, on a window one element into its buffer (unaligned: scalar path).
            using var shifted = accelerator.Allocate<float>(count + 1);
            shifted.CopyFrom(gate, 1);
            var window = shifted.Slice(1, count);
            MistralKernels.SwiGlu(accelerator, window, u, window, count);
            MatMulData.Close(expected, shifted.ToArray().AsSpan(1), 1e-5, 1e-30, $"{backend} count {count} in place");
        });
    }

    [Fact]
    public void SwiGlu_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var a = accelerator.Allocate<float>(8);
            using var b = accelerator.Allocate<float>(4);
            Assert.Equal("count", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.SwiGlu(accelerator, a, a, a, 0)).ParamName);
            Assert.Equal("up", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.SwiGlu(accelerator, a, b, a, 8)).ParamName);
            Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.SwiGlu(accelerator, a, a, b, 8)).ParamName);
        });
    }
}
