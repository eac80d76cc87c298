using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>RMSNorm (plain and fused with the residual add; fp32, fp16, bf16) against a double reference on every backend.</summary>
public sealed class RmsNormTests
{
    private const float Eps = 1e-5f;

    /// <summary>(rows, dim): ragged dims (1, 3, 37, 100, 4097) take the scalar path (and the CPU body's scalar tail), the others 128-bit loads.</summary>
    private static readonly Dictionary<string, (int Rows, int Dim)> Cases = new()
    {
        ["1 x 1"] = (1, 1),
        ["3 x 3"] = (3, 3),
        ["2 x 37"] = (2, 37),
        ["5 x 100"] = (5, 100),
        ["2 x 4097"] = (2, 4097),
        ["3 x 4096"] = (3, 4096),
        ["33 x 128"] = (33, 128),
        ["4 x 4"] = (4, 4),
    };

    public static TheoryData<string, string> Table()
    {
        var data = new TheoryData<string, string>();
        // The CPU backend twice: its vectorised fp32 body, and the lanes the body replaces.
        foreach (var name in Cases.Keys)
        {
            data.Add("cpu", name);
            data.Add("cpu-lanes", name);
        }
        return data;
    }

    public static TheoryData<string, string> OpenCLTable()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys) data.Add("opencl", name);
        return data;
    }

    /// <summary>The reference: h = x (+ delta), y = h / sqrt(mean(h^2) + eps) * w, in double.</summary>
    private static double[] Reference(float[] h, float[] weight, int rows, int dim)
    {
        var y = new double[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int i = 0; i < dim; i++) sum += (double)h[r * dim + i] * h[r * dim + i];
            double scale = 1.0 / Math.Sqrt(sum / dim + Eps);
            for (int i = 0; i < dim; i++) y[r * dim + i] = h[r * dim + i] * scale * weight[i];
        }
        return y;
    }

    [Theory, MemberData(nameof(Table))]
    public void RmsNorm_fp32_matches_reference_cpu(string backend, string name) => CheckFp32(backend, name);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLTable))]
    public void RmsNorm_fp32_matches_reference_opencl(string backend, string name) => CheckFp32(backend, name);

    [Theory, MemberData(nameof(Table))]
    public void RmsNorm_fp16_bf16_match_reference_cpu(string backend, string name) => CheckSixteenBit(backend, name);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLTable))]
    public void RmsNorm_fp16_bf16_match_reference_opencl(string backend, string name) => CheckSixteenBit(backend, name);

    private static void CheckFp32(string backend, string name)
    {
        var (rows, dim) = Cases[name];
        float[] x = MatMulData.Random(rows * dim, 1, 3f);
        float[] delta = MatMulData.Random(rows * dim, 2);
        float[] weight = MatMulData.Random(dim, 3, 2f);
        float[] h = new float[x.Length];
        for (int i = 0; i < h.Length; i++) h[i] = x[i] + delta[i];
        MatMulBackends.With(backend, accelerator =>
        {
            using var xBuffer = accelerator.Upload<float>(x);
            using var wBuffer = accelerator.Upload<float>(weight);
            using var output = accelerator.Allocate<float>(rows * dim);
            MistralKernels.RmsNorm(accelerator, xBuffer, wBuffer, output, rows, dim, Eps);
            // fp32 sum of squares over <= 4097 terms and a device rsqrt within a few ulp: ~1e-6 relative in practice;
            // 1e-5 leaves room for FMA contraction and reduction order, and still catches any real indexing error.
            MatMulData.Close(Reference(x, weight, rows, dim), output.ToArray(), 1e-5, 1e-6, $"{backend} {name} plain");
            Assert.Equal(x, xBuffer.ToArray());

            using var residual = accelerator.Upload<float>(x);
            using var deltaBuffer = accelerator.Upload<float>(delta);
            MistralKernels.RmsNormResidual(accelerator, residual, deltaBuffer, wBuffer, output, rows, dim, Eps);
            // The residual written back is one fp32 add per element: exactly the host's.
            Assert.Equal(h, residual.ToArray());
            MatMulData.Close(Reference(h, weight, rows, dim), output.ToArray(), 1e-5, 1e-6, $"{backend} {name} fused");

            // In place (output = residual), on a window that starts one element into a buffer (unaligned: scalar path).
            using var shifted = accelerator.Allocate<float>(rows * dim + 1);
            shifted.CopyFrom(x, 1);
            var window = shifted.Slice(1, rows * dim);
            MistralKernels.RmsNormResidual(accelerator, window, deltaBuffer, wBuffer, window, rows, dim, Eps);
            MatMulData.Close(Reference(h, weight, rows, dim), shifted.ToArray().AsSpan(1), 1e-5, 1e-6, $"{backend} {name} in place");
        });
    }

    private static void CheckSixteenBit(string backend, string name)
    {
        var (rows, dim) = Cases[name];
        float[] x = MatMulData.Random(rows * dim, 4, 3f);
        float[] delta = MatMulData.Random(rows * dim, 5);
        float[] weight = MatMulData.Random(dim, 6, 2f);
        Half[] xh = Array.ConvertAll(x, v => (Half)v);
        Half[] dh = Array.ConvertAll(delta, v => (Half)v);
        BFloat16[] xb = Array.ConvertAll(x, v => (BFloat16)v);
        BFloat16[] db = Array.ConvertAll(delta, v => (BFloat16)v);
        // The stored residual is the fp32 sum of the two 16-bit inputs rounded once to the storage type.
        Half[] hh = new Half[x.Length];
        BFloat16[] hb = new BFloat16[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            hh[i] = (Half)((float)xh[i] + (float)dh[i]);
            hb[i] = (BFloat16)((float)xb[i] + (float)db[i]);
        }
        MatMulBackends.With(backend, accelerator =>
        {
            using var wBuffer = accelerator.Upload<float>(weight);

            using var xhBuffer = accelerator.Upload<Half>(xh);
            using var dhBuffer = accelerator.Upload<Half>(dh);
            using var outH = accelerator.Allocate<Half>(rows * dim);
            MistralKernels.RmsNorm(accelerator, xhBuffer, wBuffer, outH, rows, dim, Eps);
            // fp16 output: the fp32 result rounded to nearest is within half an ulp (2^-11 ~ 4.9e-4 relative) of the
            // exact value; 1e-3 relative covers that plus the fp32 error, 1e-6 absolute covers fp16 subnormals.
            MatMulData.Close(Reference(Widen(xh), weight, rows, dim), Narrow(outH.ToArray()), 1e-3, 1e-6, $"{backend} {name} fp16");
            MistralKernels.RmsNormResidual(accelerator, xhBuffer, dhBuffer, wBuffer, outH, rows, dim, Eps);
            Assert.Equal(hh, xhBuffer.ToArray());
            MatMulData.Close(Reference(Widen(hh), weight, rows, dim), Narrow(outH.ToArray()), 1e-3, 1e-6, $"{backend} {name} fp16 fused");

            using var xbBuffer = accelerator.Upload<BFloat16>(xb);
            using var dbBuffer = accelerator.Upload<BFloat16>(db);
            using var outB = accelerator.Allocate<BFloat16>(rows * dim);
            MistralKernels.RmsNorm(accelerator, xbBuffer, wBuffer, outB, rows, dim, Eps);
            // bf16 output: 8 significant bits, half an ulp is 2^-9 ~ 2e-3 relative; 4e-3 covers it plus the fp32 error.
            MatMulData.Close(Reference(Widen(xb), weight, rows, dim), Narrow(outB.ToArray()), 4e-3, 1e-30, $"{backend} {name} bf16");
            MistralKernels.RmsNormResidual(accelerator, xbBuffer, dbBuffer, wBuffer, outB, rows, dim, Eps);
            Assert.Equal(hb, xbBuffer.ToArray());
            MatMulData.Close(Reference(Widen(hb), weight, rows, dim), Narrow(outB.ToArray()), 4e-3, 1e-30, $"{backend} {name} bf16 fused");
        });
    }

    private static float[] Widen(Half[] values) => Array.ConvertAll(values, v => (float)v);

    private static float[] Widen(BFloat16[] values) => Array.ConvertAll(values, v => (float)v);

    private static float[] Narrow(Half[] values) => Widen(values);

    private static float[] Narrow(BFloat16[] values) => Widen(values);

    [Fact]
    public void RmsNorm_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var x = accelerator.Allocate<float>(64);
            using var w = accelerator.Allocate<float>(16);
            using var y = accelerator.Allocate<float>(64);
            Assert.Equal("rows", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 0, 16, Eps)).ParamName);
            Assert.Equal("dim", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 4, -1, Eps)).ParamName);
            Assert.Equal("eps", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 4, 16, float.NaN)).ParamName);
            Assert.Equal("x", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 5, 16, Eps)).ParamName);
            Assert.Equal("weight", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 2, 32, Eps)).ParamName);
            using var shortY = accelerator.Allocate<float>(32);
            Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, shortY, 4, 16, Eps)).ParamName);
            using var shortDelta = accelerator.Allocate<float>(16);
            Assert.Equal("delta", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNormResidual(accelerator, x, shortDelta, w, y, 4, 16, Eps)).ParamName);
            Assert.Equal("residual", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNormResidual(accelerator, y, x, w, x, 5, 16, Eps)).ParamName);
        });
    }
}
