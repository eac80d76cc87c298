using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>RMSNorm, plain and fused with the residual add, in fp32, fp16 and bf16, against <see cref="RmsNormReference"/>.</summary>
internal static class RmsNormParity
{
    private const float Eps = 1e-5f;

    /// <summary>(rows, dim): ragged dims (1, 3, 37, 100, 4097) take the scalar path (and the CPU body's scalar tail), the others 128-bit loads.</summary>
    private static readonly (int Rows, int Dim)[] Shapes = [(1, 1), (3, 3), (2, 37), (5, 100), (2, 4097), (3, 4096), (33, 128), (4, 4)];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (rows, dim) in Shapes)
            yield return new("rmsnorm", $"fp32 {rows} x {dim}", $"rows {rows}, dim {dim}", "1e-6 + 1e-5·|y|; residual exact",
                "fp32 sum of squares over <= 4097 terms and a device rsqrt within a few ulp: ~1e-6 relative in practice; 1e-5 " +
                "leaves room for FMA contraction and reduction order and still catches any indexing error. The residual " +
                "written back is one fp32 add per element: exactly the host's.",
                (a, check) => CheckFp32(a, check, rows, dim));
        foreach (var (rows, dim) in Shapes)
            yield return new("rmsnorm", $"fp16/bf16 {rows} x {dim}", $"rows {rows}, dim {dim}", "1e-6 + 1e-3·|y| (fp16), 4e-3·|y| (bf16); residual exact",
                "the fp32 result rounded to the storage type is within half an ulp of exact: 2^-11 relative for fp16 " +
                "(1e-6 absolute for its subnormals), 2^-9 for bf16; the bounds add the fp32 error. The stored residual " +
                "is the fp32 sum of the two 16-bit inputs rounded once.",
                (a, check) => CheckSixteenBit(a, check, rows, dim));
    }

    private static void CheckFp32(Accelerator accelerator, ParityCheck check, int rows, int dim)
    {
        float[] x = ParityData.Random(rows * dim, 1, 3f);
        float[] delta = ParityData.Random(rows * dim, 2);
        float[] weight = ParityData.Random(dim, 3, 2f);
        float[] h = new float[x.Length];
        for (int i = 0; i < h.Length; i++) h[i] = x[i] + delta[i];
        double[] plain = RmsNormReference.Compute(x, weight, rows, dim, Eps), fused = RmsNormReference.Compute(h, weight, rows, dim, Eps);

        using var xBuffer = accelerator.Upload<float>(x);
        using var wBuffer = accelerator.Upload<float>(weight);
        using var output = accelerator.Allocate<float>(rows * dim);
        MistralKernels.RmsNorm(accelerator, xBuffer, wBuffer, output, rows, dim, Eps);
        check.Close(plain, output.ToArray(), 1e-6, 1e-5, "plain");
        check.Exact(x, xBuffer.ToArray(), "plain leaves x");

        using var residual = accelerator.Upload<float>(x);
        using var deltaBuffer = accelerator.Upload<float>(delta);
        MistralKernels.RmsNormResidual(accelerator, residual, deltaBuffer, wBuffer, output, rows, dim, Eps);
        check.Exact(h, residual.ToArray(), "fused residual");
        check.Close(fused, output.ToArray(), 1e-6, 1e-5, "fused");

        // In place (output = residual), on a window that starts one element into a buffer (unaligned: scalar path).
        using var shifted = accelerator.Allocate<float>(rows * dim + 1);
        shifted.CopyFrom(x, 1);
        var window = shifted.Slice(1, rows * dim);
        MistralKernels.RmsNormResidual(accelerator, window, deltaBuffer, wBuffer, window, rows, dim, Eps);
        check.Close(fused, shifted.ToArray().AsSpan(1), 1e-6, 1e-5, "in place");
    }

    private static void CheckSixteenBit(Accelerator accelerator, ParityCheck check, int rows, int dim)
    {
        float[] x = ParityData.Random(rows * dim, 4, 3f);
        float[] delta = ParityData.Random(rows * dim, 5);
        float[] weight = ParityData.Random(dim, 6, 2f);
        Half[] xh = Array.ConvertAll(x, v => (Half)v), dh = Array.ConvertAll(delta, v => (Half)v);
        BFloat16[] xb = Array.ConvertAll(x, v => (BFloat16)v), db = Array.ConvertAll(delta, v => (BFloat16)v);
        Half[] hh = new Half[x.Length];
        BFloat16[] hb = new BFloat16[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            hh[i] = (Half)((float)xh[i] + (float)dh[i]);
            hb[i] = (BFloat16)((float)xb[i] + (float)db[i]);
        }
        using var wBuffer = accelerator.Upload<float>(weight);

        using var xhBuffer = accelerator.Upload<Half>(xh);
        using var dhBuffer = accelerator.Upload<Half>(dh);
        using var outH = accelerator.Allocate<Half>(rows * dim);
        MistralKernels.RmsNorm(accelerator, xhBuffer, wBuffer, outH, rows, dim, Eps);
        check.Close(RmsNormReference.Compute(Widen(xh), weight, rows, dim, Eps), Widen(outH.ToArray()), 1e-6, 1e-3, "fp16");
        MistralKernels.RmsNormResidual(accelerator, xhBuffer, dhBuffer, wBuffer, outH, rows, dim, Eps);
        check.Exact<Half>(hh, xhBuffer.ToArray(), v => (double)v, "fp16 fused residual");
        check.Close(RmsNormReference.Compute(Widen(hh), weight, rows, dim, Eps), Widen(outH.ToArray()), 1e-6, 1e-3, "fp16 fused");

        using var xbBuffer = accelerator.Upload<BFloat16>(xb);
        using var dbBuffer = accelerator.Upload<BFloat16>(db);
        using var outB = accelerator.Allocate<BFloat16>(rows * dim);
        MistralKernels.RmsNorm(accelerator, xbBuffer, wBuffer, outB, rows, dim, Eps);
        check.Close(RmsNormReference.Compute(Widen(xb), weight, rows, dim, Eps), Widen(outB.ToArray()), 1e-30, 4e-3, "bf16");
        MistralKernels.RmsNormResidual(accelerator, xbBuffer, dbBuffer, wBuffer, outB, rows, dim, Eps);
        check.Exact<BFloat16>(hb, xbBuffer.ToArray(), v => (float)v, "bf16 fused residual");
        check.Close(RmsNormReference.Compute(Widen(hb), weight, rows, dim, Eps), Widen(outB.ToArray()), 1e-30, 4e-3, "bf16 fused");
    }

    private static float[] Widen(Half[] values) => Array.ConvertAll(values, v => (float)v);

    private static float[] Widen(BFloat16[] values) => Array.ConvertAll(values, v => (float)v);
}
