using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>fp32 and fp16 GEMV/GEMM on every backend, both kernel shapes forced, against a double reference over the stored weights.</summary>
public sealed class MatMulDenseTests
{
    /// <summary>(N, K, tokens): ragged K (1, 3, 37, 100, 4097) take the scalar / guarded paths.</summary>
    private static readonly Dictionary<string, (int N, int K, int Tokens)> Cases = new()
    {
        ["1x1 t1"] = (1, 1, 1),
        ["3x3 t2"] = (3, 3, 2),
        ["37x37 t5"] = (37, 37, 5),
        ["100x100 t9"] = (100, 100, 9),
        ["9x4097 t3"] = (9, 4097, 3),
        ["33x4096 t4"] = (33, 4096, 4),
        ["5x128 t1"] = (5, 128, 1),
        ["6x1000 t6"] = (6, 1000, 6),
    };

    public static TheoryData<string, string, string> Table() => Rows("cpu");

    public static TheoryData<string, string, string> OpenCLTable() => Rows("opencl");

    private static TheoryData<string, string, string> Rows(string backend)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var name in Cases.Keys)
            foreach (var format in new[] { "Fp32", "Fp16" })
                foreach (var shape in new[] { "Warp", "Rows" }) data.Add(backend, $"{format} {shape}", name);
        return data;
    }

    [Theory, MemberData(nameof(Table))]
    public void MatMul_dense_matches_reference_cpu(string backend, string formatAndShape, string name) => Check(backend, formatAndShape, name);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLTable))]
    public void MatMul_dense_matches_reference_opencl(string backend, string formatAndShape, string name) => Check(backend, formatAndShape, name);

    private static void Check(string backend, string formatAndShape, string name)
    {
        var (n, k, tokens) = Cases[name];
        var format = Enum.Parse<WeightFormat>(formatAndShape.Split(' ')[0]);
        var shape = Enum.Parse<MistralKernels.DenseShape>(formatAndShape.Split(' ')[1]);
        float[] w = MatMulData.Random(n * k, 71, 0.1f);
        float[] x = MatMulData.Random(tokens * k, 72);
        // The reference uses the weights as stored: fp16 rounding is the format's, not the kernel's, error.
        float[] stored = format == WeightFormat.Fp16 ? Array.ConvertAll(w, v => (float)(Half)v) : w;
        var (expected, magnitude) = Int4MatMulTests.Reference(stored, x, n, k, tokens);
        MatMulBackends.With(backend, accelerator =>
        {
            using var weights = LinearWeights.Upload(accelerator, w, n, k, format);
            Assert.Equal(format, weights.Format);
            Assert.Equal(n, weights.OutFeatures);
            Assert.Equal(k, weights.InFeatures);
            using var xBuffer = accelerator.Upload<float>(x);
            using var y = accelerator.Allocate<float>(tokens * n);
            MistralKernels.MatMul(accelerator, weights, xBuffer, y, tokens, MistralKernels.Int4Shape.Auto, null, shape);
            float[] gemm = y.ToArray();
            Int4MatMulTests.AssertClose(expected, magnitude, gemm, $"{backend} {formatAndShape} {name}");

            using var one = accelerator.Allocate<float>(n);
            for (int t = 0; t < tokens; t++)
            {
                MistralKernels.MatMul(accelerator, weights, xBuffer.Slice(t * k, k), one, 1, MistralKernels.Int4Shape.Auto, null, shape);
                float[] gemv = one.ToArray();
                for (int row = 0; row < n; row++)
                    Assert.True(Math.Abs(gemv[row] - gemm[t * n + row]) <= 1e-6 * magnitude[t * n + row] + 1e-7,
                        $"{backend} {formatAndShape} {name}: token {t} row {row}: GEMV {gemv[row]:R} vs GEMM {gemm[t * n + row]:R}");
            }
        });
    }

    [Fact]
    public void MatMul_rejects_bad_input_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var weights = LinearWeights.Upload(accelerator, new float[8 * 64], 8, 64, WeightFormat.Int4);
            using var x = accelerator.Allocate<float>(128);
            using var y = accelerator.Allocate<float>(16);
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 0)).ParamName);
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, -3)).ParamName);
            Assert.Equal("x", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 3)).ParamName);
            using var bigX = accelerator.Allocate<float>(64 * 3);
            Assert.Equal("y", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, bigX, y, 3)).ParamName);
            Assert.Equal("weights", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, null!, x, y, 1)).ParamName);

            using var other = new Mistral.Gpu.Runtime.Cpu.CpuAccelerator(1);
            using var foreign = LinearWeights.Upload(other, new float[8 * 64], 8, 64, WeightFormat.Fp32);
            Assert.Equal("weights", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, foreign, x, y, 1)).ParamName);
            var disposed = LinearWeights.Upload(accelerator, new float[8 * 64], 8, 64, WeightFormat.Fp16);
            disposed.Dispose();
            Assert.Equal("weights", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, disposed, x, y, 1)).ParamName);

            Assert.Equal("k", Assert.ThrowsAny<ArgumentException>(() => LinearWeights.Upload(accelerator, new float[8 * 36], 8, 36, WeightFormat.Int4)).ParamName);
            Assert.Equal("w", Assert.ThrowsAny<ArgumentException>(() => LinearWeights.Upload(accelerator, new float[10], 8, 64, WeightFormat.Fp32)).ParamName);
            Assert.Equal("n", Assert.ThrowsAny<ArgumentException>(() => LinearWeights.Upload(accelerator, new float[10], 0, 64, WeightFormat.Fp16)).ParamName);
        });
    }
}
