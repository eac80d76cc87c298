using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;
using Path = Mistral.Gpu.Kernels.Int4Q8CpuBody.Path;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// The Q8 int4 path (activations quantised to int8 per 32, exact integer dot products): the quantiser against
/// a scalar one, the product against the exact integer sum over the device's own quantised activations, on the
/// CPU backend's lanes, its vectorised group body (each instruction-set path pinned in turn) and OpenCL; and the
/// whole facade against the fp32 product within the bound that 8-bit activations allow.
/// </summary>
[Collection(nameof(Int4Q8MatMulTests))]
public sealed class Int4Q8MatMulTests
{
    /// <summary>(N, K, group size, tokens): ragged N, K in whole 128-blocks (384 and 1152 are not whole 512-chunks), token tiles of 1, 4 and 64 (70 tokens cross a 64-tile).</summary>
    private static readonly Dictionary<string, (int N, int K, int GroupSize, int Tokens)> Cases = new()
    {
        ["1x128 g32 t1"] = (1, 128, 32, 1),
        ["65x384 g32 t3"] = (65, 384, 32, 3),
        ["100x512 g128 t1"] = (100, 512, 128, 1),
        ["37x1024 g32 t5"] = (37, 1024, 32, 5),
        ["130x1152 g128 t9"] = (130, 1152, 128, 9),
        ["64x4096 g32 t4"] = (64, 4096, 32, 4),
        ["20x256 g32 t70"] = (20, 256, 32, 70),
        // The decode GEMV's own loop (one token, groups of 32, whole 512-chunks): rows in pairs and an odd one left.
        ["67x1024 g32 t1"] = (67, 1024, 32, 1),
        ["5x14336 g32 t1"] = (5, 14336, 32, 1),
        // The prefill GEMM's slices of 2048 weights: w2's K = 14336 (7 slices) with a 64-tile and a ragged tail of tokens,
        // and K = 4608 (2 whole slices and a ragged one of 512) with ragged rows.
        ["70x14336 g32 t67"] = (70, 14336, 32, 67),
        ["33x4608 g128 t6"] = (33, 4608, 128, 6),
        ["9x2560 g32 t130"] = (9, 2560, 32, 130),
    };

    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys)
            foreach (var run in new[] { "cpu-lanes", "cpu-avx512", "cpu-vnni", "cpu-avx2" })
                data.Add(run, name);
        return data;
    }

    public static TheoryData<string> Names() => [.. Cases.Keys];

    private sealed record Quantized(uint[] Values, float[] Scales, int[] Sums);

    /// <summary>The quantiser written plainly: per group of 32, scale max|x|/127, q = round-half-even(x * 127/max).</summary>
    private static sbyte[] ReferenceQ(float[] x, int k, int tokens, out float[] scales)
    {
        var q = new sbyte[tokens * k];
        scales = new float[tokens * k / 32];
        for (int g = 0; g < tokens * k / 32; g++)
        {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.Max(amax, Math.Abs(x[32 * g + i]));
            scales[g] = amax / 127f;
            float inverse = amax > 0 ? 127f / amax : 0;
            for (int i = 0; i < 32; i++) q[32 * g + i] = (sbyte)Math.Clamp((int)MathF.Round(x[32 * g + i] * inverse, MidpointRounding.ToEven), -127, 127);
        }
        return q;
    }

    /// <summary>Unpacks the device layout back to q[t, k] (block b, words 0..15 low-nibble k, 16..31 high-nibble k).</summary>
    private static sbyte[] Unpack(uint[] values, int k, int tokens)
    {
        var q = new sbyte[tokens * k];
        for (int t = 0; t < tokens; t++)
            for (int j = 0; j < k / 8; j++)
            {
                int word = t * (k / 4) + 32 * (j / 16) + j % 16;
                for (int i = 0; i < 4; i++)
                {
                    q[t * k + 8 * j + 2 * i] = (sbyte)(values[word] >> (8 * i));
                    q[t * k + 8 * j + 2 * i + 1] = (sbyte)(values[word + 16] >> (8 * i));
                }
            }
        return q;
    }

    private static Quantized Quantize(Accelerator accelerator, DeviceBuffer<float> x, int k, int tokens)
    {
        using var values = accelerator.Allocate<uint>(tokens * k / 4);
        using var scales = accelerator.Allocate<float>(tokens * k / 32);
        using var sums = accelerator.Allocate<int>(tokens * k / 32);
        Int4MatMul.QuantizeQ8Kernel.Launch(accelerator, LaunchDims.ForElements(tokens * k / 32, Int4MatMul.Q8QuantizeLanes), x, values, scales, sums, k, tokens);
        accelerator.Synchronize();
        return new Quantized(values.ToArray(), scales.ToArray(), sums.ToArray());
    }

    private static void CheckQuantizer(Accelerator accelerator, float exactness)
    {
        const int k = 384, tokens = 3;
        float[] x = MatMulData.Random(tokens * k, 71, 3f);
        // A group of zeros (scale 0) and one with an exact tie at 0.5 of a step.
        for (int i = 0; i < 32; i++) x[64 + i] = 0;
        var reference = ReferenceQ(x, k, tokens, out var referenceScales);
        using var dx = accelerator.Upload<float>(x);
        var device = Quantize(accelerator, dx, k, tokens);
        var q = Unpack(device.Values, k, tokens);
        for (int i = 0; i < q.Length; i++)
            Assert.True(Math.Abs(q[i] - reference[i]) <= exactness, $"q[{i}] = {q[i]}, reference {reference[i]}");
        for (int g = 0; g < referenceScales.Length; g++)
        {
            Assert.Equal(referenceScales[g], device.Scales[g]);
            Assert.Equal(Enumerable.Range(32 * g, 32).Sum(i => (int)q[i]), device.Sums[g]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Quantizer_matches_scalar_reference_on_cpu(bool groupBodies)
    {
        using var accelerator = new CpuAccelerator(useGroupBodies: groupBodies);
        CheckQuantizer(accelerator, 0);
    }

    /// <summary>OpenCL's 127 / max may differ from IEEE division by an ulp, which can move a value at a rounding tie by one step.</summary>
    [RequiresOpenCLTheory, InlineData(1)]
    public void Quantizer_matches_scalar_reference_on_opencl(int exactness) =>
        MatMulBackends.With("opencl", accelerator => CheckQuantizer(accelerator, exactness));

    /// <summary>Exact integer dot per group, then the float sum: what Q8Rows must return, and the magnitude its rounding is relative to.</summary>
    private static (double[] Y, double[] Magnitude) ExactQ8(Int4Matrix matrix, Quantized x, int n, int k, int tokens)
    {
        var q = Unpack(x.Values, k, tokens);
        var y = new double[tokens * n];
        var magnitude = new double[tokens * n];
        int groups = k / 32;
        for (int t = 0; t < tokens; t++)
            for (int row = 0; row < n; row++)
            {
                double sum = 0, abs = 0;
                for (int g = 0; g < groups; g++)
                {
                    long dot = 0;
                    for (int i = 32 * g; i < 32 * g + 32; i++) dot += (long)matrix.QuantizedAt(row, i) * q[t * k + i];
                    double term = dot * (double)(float)matrix.Scales[row * (k / matrix.GroupSize) + 32 * g / matrix.GroupSize] * x.Scales[t * groups + g];
                    sum += term;
                    abs += Math.Abs(term);
                }
                y[t * n + row] = sum;
                magnitude[t * n + row] = abs;
            }
        return (y, magnitude);
    }

    private static void CheckProduct(Accelerator accelerator, string name)
    {
        var (n, k, groupSize, tokens) = Cases[name];
        float[] w = MatMulData.Random((long)n * k, 81, 0.1f);
        float[] x = MatMulData.Random((long)tokens * k, 82, 2f);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var dx = accelerator.Upload<float>(x);
        var quantized = Quantize(accelerator, dx, k, tokens);
        var (expected, magnitude) = ExactQ8(matrix, quantized, n, k, tokens);
        using var values = accelerator.Upload<uint>(quantized.Values);
        using var scales = accelerator.Upload<float>(quantized.Scales);
        using var sums = accelerator.Upload<int>(quantized.Sums);
        using var y = accelerator.Allocate<float>(tokens * n);
        // The facade's choice: 1 for a GEMV, 4 for short prompts, 64 beyond.
        int tile = tokens == 1 ? 1 : tokens <= Int4MatMul.RowTokenTile ? Int4MatMul.RowTokenTile : Int4MatMul.Q8LongTokenTile;
        var dims = new LaunchDims(new Dim3((n + Int4MatMul.Q8RowLanes - 1) / Int4MatMul.Q8RowLanes, (tokens + tile - 1) / tile), new Dim3(Int4MatMul.Q8RowLanes));
        Int4MatMul.Q8RowsKernel.Launch(accelerator, dims, weights.Packed, weights.Scales, values, scales, sums, y, n, k, tokens, groupSize, tile);
        accelerator.Synchronize();
        // Integer parts are exact; only the fp32 sum over K/32 group terms rounds (2^-24 per addition).
        Int4MatMulTests.AssertClose(expected, magnitude, y.ToArray(), $"{accelerator.Info.Backend} {name}");
    }

    [Theory, MemberData(nameof(Runs))]
    public void Q8_product_matches_exact_integer_sum_on_cpu(string run, string name) => OnCpu(run, accelerator => CheckProduct(accelerator, name));

    /// <summary>
    /// Runs <paramref name="body"/> on the CPU backend with the group bodies' path pinned by <paramref name="run"/>
    /// ("cpu-lanes", "cpu-avx512", "cpu-vnni", "cpu-avx2"); a path this machine lacks is not run (the lanes would run
    /// instead, which the cpu-lanes row checks).
    /// </summary>
    internal static void OnCpu(string run, Action<Accelerator> body)
    {
        var path = run switch { "cpu-avx512" => Path.Avx512, "cpu-vnni" => Path.Vnni256, "cpu-avx2" => Path.Avx2, _ => Path.Best };
        using var accelerator = new CpuAccelerator(useGroupBodies: run != "cpu-lanes");
        var previous = Int4Q8CpuBody.Forced;
        Int4Q8CpuBody.Forced = path;
        try
        {
            if (run == "cpu-lanes" || Int4Q8CpuBody.IsAccelerated) body(accelerator);
        }
        finally
        {
            Int4Q8CpuBody.Forced = previous;
        }
    }

    [RequiresOpenCLTheory, MemberData(nameof(Names))]
    public void Q8_product_matches_exact_integer_sum_on_opencl(string name) =>
        MatMulBackends.With("opencl", accelerator => CheckProduct(accelerator, name));

    /// <summary>
    /// The facade's pick on the CPU backend (quantise, then the group body) against the fp32 product of the
    /// dequantised weights. Rounding x to int8 moves each x by at most half its group's step dx/2, so the product
    /// moves by at most sum_k |W[n, k]| * dx(k) / 2; fp32 sums add 1e-5 of sum |x w|.
    /// </summary>
    [Theory, MemberData(nameof(Names))]
    public void Facade_on_cpu_stays_within_the_int8_rounding_bound(string name)
    {
        var (n, k, groupSize, tokens) = Cases[name];
        float[] w = MatMulData.Random((long)n * k, 91, 0.1f);
        float[] x = MatMulData.Random((long)tokens * k, 92);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        float[] dequantized = matrix.Dequantize();
        var (expected, magnitude) = Int4MatMulTests.Reference(dequantized, x, n, k, tokens);
        using var accelerator = new CpuAccelerator();
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var dx = accelerator.Upload<float>(x);
        using var y = accelerator.Allocate<float>(tokens * n);
        MistralKernels.MatMul(accelerator, weights, dx, y, tokens, Int4Shape.Auto);
        float[] actual = y.ToArray();
        for (int t = 0; t < tokens; t++)
            for (int row = 0; row < n; row++)
            {
                double bound = 1e-5 * magnitude[t * n + row] + 1e-6;
                for (int g = 0; g < k / 32; g++)
                {
                    float amax = 0;
                    for (int i = 0; i < 32; i++) amax = Math.Max(amax, Math.Abs(x[t * k + 32 * g + i]));
                    for (int i = 0; i < 32; i++) bound += Math.Abs(dequantized[(long)row * k + 32 * g + i]) * amax / 127 / 2;
                }
                double error = Math.Abs(actual[t * n + row] - expected[t * n + row]);
                Assert.True(error <= bound, $"{name}: y[{t}, {row}] = {actual[t * n + row]:R}, fp32 {expected[t * n + row]:R} (error {error:E3} > {bound:E3})");
            }
    }

    /// <summary>q/k/v-style products of one x: quantised once, each output bit-identical to its own product.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    public void Products_sharing_x_equal_separate_products(int tokens)
    {
        const int k = 512;
        int[] ns = [96, 32, 32];
        using var accelerator = new CpuAccelerator();
        var weights = ns.Select((n, i) => (LinearWeights)Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(MatMulData.Random(n * k, 100 + i, 0.1f), n, k, 32))).ToArray();
        using var x = accelerator.Upload<float>(MatMulData.Random(tokens * k, 99));
        var together = ns.Select(n => accelerator.Allocate<float>(tokens * n)).ToArray();
        MistralKernels.MatMul(accelerator, weights, x, [.. together.Select(b => (BufferView<float>)b)], tokens);
        for (int i = 0; i < ns.Length; i++)
        {
            using var alone = accelerator.Allocate<float>(tokens * ns[i]);
            MistralKernels.MatMul(accelerator, weights[i], x, alone, tokens);
            Assert.Equal(alone.ToArray(), together[i].ToArray());
        }
        var error = Assert.Throws<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, [together[0]], tokens));
        Assert.Equal("outputs", error.ParamName);
        foreach (var w in weights) w.Dispose();
    }

    [Fact]
    public void Q8_shape_rejects_k_that_is_not_whole_blocks()
    {
        using var accelerator = new CpuAccelerator();
        var matrix = Int4Quantizer.Quantize(MatMulData.Random(4 * 96, 1), 4, 96, 32);
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var x = accelerator.Allocate<float>(96);
        using var y = accelerator.Allocate<float>(4);
        var error = Assert.Throws<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 1, Int4Shape.Q8));
        Assert.Equal("shape", error.ParamName);
    }
}

[CollectionDefinition(nameof(Int4Q8MatMulTests), DisableParallelization = true)]
public sealed class Int4Q8MatMulCollection;
