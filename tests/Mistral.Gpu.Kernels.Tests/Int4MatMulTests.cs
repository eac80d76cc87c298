using Mistral.Gpu.Runtime;
using Xunit;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// Int4 GEMV/GEMM on every backend, every kernel shape (GPU warp-per-row, CPU lane-per-row, and the vectorised
/// CPU kernel where K allows it) forced on each,
/// against a double reference over the DEQUANTISED weights, so only the kernels' own arithmetic is measured.
/// </summary>
public sealed class Int4MatMulTests
{
    /// <summary>(N, K, group size, tokens): N not a multiple of the 4 rows per group or 64 lanes, K from one chunk to 4096, token counts around the tiles of 4 and 8.</summary>
    private static readonly Dictionary<string, (int N, int K, int GroupSize, int Tokens)> Cases = new()
    {
        ["1x32 g32 t1"] = (1, 32, 32, 1),
        ["3x64 g32 t3"] = (3, 64, 32, 3),
        ["37x128 g128 t9"] = (37, 128, 128, 9),
        ["100x1024 g32 t8"] = (100, 1024, 32, 8),
        ["5x4096 g128 t2"] = (5, 4096, 128, 2),
        ["64x2048 g32 t17"] = (64, 2048, 32, 17),
        ["4097x64 g32 t1"] = (4097, 64, 32, 1),
        ["66x1152 g128 t4"] = (66, 1152, 128, 4),
        ["130x256 g32 t5"] = (130, 256, 32, 5),
    };

    public static TheoryData<string, string, string> Table() => Rows("cpu");

    public static TheoryData<string, string, string> OpenCLTable() => Rows("opencl");

    private static TheoryData<string, string, string> Rows(string backend)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, shape) in Cases)
        {
            data.Add(backend, "Warp", name);
            data.Add(backend, "Rows", name);
            // The vectorised CPU kernel takes K in whole 128-weight blocks.
            if (shape.K % 128 == 0) data.Add(backend, "RowsVector", name);
        }
        return data;
    }

    [Theory, MemberData(nameof(Table))]
    public void Int4_gemv_gemm_match_dequantized_reference_cpu(string backend, string shape, string name) => Check(backend, shape, name);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLTable))]
    public void Int4_gemv_gemm_match_dequantized_reference_opencl(string backend, string shape, string name) => Check(backend, shape, name);

    /// <summary>y[t, n] = sum_k x[t, k] W[n, k] in double, and the scale sum_k |x w| the tolerance is relative to.</summary>
    internal static (double[] Y, double[] Magnitude) Reference(float[] w, float[] x, int n, int k, int tokens)
    {
        var y = new double[tokens * n];
        var magnitude = new double[tokens * n];
        for (int t = 0; t < tokens; t++)
            for (int row = 0; row < n; row++)
            {
                double sum = 0, abs = 0;
                for (int i = 0; i < k; i++)
                {
                    double p = (double)x[t * k + i] * w[(long)row * k + i];
                    sum += p;
                    abs += Math.Abs(p);
                }
                y[t * n + row] = sum;
                magnitude[t * n + row] = abs;
            }
        return (y, magnitude);
    }

    /// <summary>
    /// fp32 accumulation of K products: each addition rounds by at most 2^-24 of the running magnitude, and with
    /// reduction trees of depth ~log2(K) plus sequential chunks the error stays far below 1e-5 * sum|x w| (the
    /// worst-case bound K * 2^-24 is 2.4e-4 at K = 4096, never approached by random data). An indexing or
    /// layout error moves results by O(sum|x w| / sqrt(K)) or more, far outside.
    /// </summary>
    internal static void AssertClose(double[] expected, double[] magnitude, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = 1e-5 * magnitude[i] + 1e-6;
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= bound)) Assert.Fail($"{what}: y[{i}] = {actual[i]:R}, expected {expected[i]:R} (error {error:E3} > {bound:E3}).");
        }
    }

    private static void Check(string backend, string shapeName, string name)
    {
        var (n, k, groupSize, tokens) = Cases[name];
        var shape = Enum.Parse<Int4Shape>(shapeName);
        float[] w = MatMulData.Random((long)n * k, 51, 0.1f);
        float[] x = MatMulData.Random((long)tokens * k, 52);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        float[] dequantized = matrix.Dequantize();
        var (expected, magnitude) = Reference(dequantized, x, n, k, tokens);
        MatMulBackends.With(backend, accelerator =>
        {
            using var weights = Int4Weights.Upload(accelerator, matrix);
            Assert.Equal((long)n * k / 2 + (long)n * (k / groupSize) * 2, weights.DeviceBytes);

            // The device dequantiser reproduces the host's values bit for bit.
            using var deq = accelerator.Allocate<float>((long)n * k);
            MistralKernels.Int4Dequantize(accelerator, weights, deq);
            Assert.Equal(dequantized, deq.ToArray());

            using var xBuffer = accelerator.Upload<float>(x);
            using var y = accelerator.Allocate<float>((long)tokens * n);
            MistralKernels.MatMul(accelerator, weights, xBuffer, y, tokens, shape);
            float[] gemm = y.ToArray();
            AssertClose(expected, magnitude, gemm, $"{backend} {shape} {name}");

            // GEMV == GEMM row for row: each token alone (a GEMV) gives the GEMM's row for that token.
            using var one = accelerator.Allocate<float>(n);
            for (int t = 0; t < tokens; t++)
            {
                MistralKernels.MatMul(accelerator, weights, xBuffer.Slice((long)t * k, k), one, 1, shape);
                float[] gemv = one.ToArray();
                for (int row = 0; row < n; row++)
                {
                    double bound = 1e-6 * magnitude[t * n + row] + 1e-7;
                    Assert.True(Math.Abs(gemv[row] - gemm[t * n + row]) <= bound,
                        $"{backend} {shape} {name}: token {t} row {row}: GEMV {gemv[row]:R} vs GEMM {gemm[t * n + row]:R}");
                }
            }
        });
    }

    /// <summary>K not in whole 128-blocks, so the facade keeps fp32 activations (Rows); whole blocks take the Q8 path, checked in Int4Q8MatMulTests.</summary>
    [Fact]
    public void Auto_shape_matches_reference_on_cpu_backend()
    {
        const int n = 48, k = 160, tokens = 5;
        float[] w = MatMulData.Random(n * k, 61, 0.1f);
        float[] x = MatMulData.Random(tokens * k, 62);
        MatMulBackends.With("cpu", accelerator =>
        {
            using var weights = LinearWeights.Upload(accelerator, w, n, k, WeightFormat.Int4, 32);
            Assert.Equal(WeightFormat.Int4, weights.Format);
            var (expected, magnitude) = Reference(((Int4Weights)weights).Dequantized(accelerator), x, n, k, tokens);
            using var xBuffer = accelerator.Upload<float>(x);
            using var y = accelerator.Allocate<float>(tokens * n);
            MistralKernels.MatMul(accelerator, weights, xBuffer, y, tokens);
            AssertClose(expected, magnitude, y.ToArray(), "auto");
        });
    }
}

internal static class Int4WeightsTestExtensions
{
    public static float[] Dequantized(this Int4Weights weights, Accelerator accelerator)
    {
        using var output = accelerator.Allocate<float>((long)weights.OutFeatures * weights.InFeatures);
        MistralKernels.Int4Dequantize(accelerator, weights, output);
        return output.ToArray();
    }
}
