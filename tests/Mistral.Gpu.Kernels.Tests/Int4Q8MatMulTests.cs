using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Kernels.Parity;
using Xunit;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;
using Path = Mistral.Gpu.Kernels.Int4Q8CpuBody.Path;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// The Q8 int4 path (activations quantised to int8 per 32, exact integer dot products): the quantiser against
/// a scalar one, and the parity table's product rows (kernels/MatMul/Int4Q8MatMulParity.cs) on the CPU group body
/// with each instruction-set path pinned in turn; the table itself runs them on every backend.
/// </summary>
[Collection(nameof(Int4Q8MatMulTests))]
public sealed class Int4Q8MatMulTests
{
    /// <summary>The table's Q8 product rows, each on the vectorised group body with one instruction-set path pinned.</summary>
    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in ParityTable.All.Where(r => r.Family == Int4Q8MatMulParity.Family && r.Name.StartsWith("product ", StringComparison.Ordinal)))
            foreach (var path in new[] { "avx512", "vnni512", "vnni", "avx2" })
                data.Add(path, row.Id);
        return data;
    }

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

    /// <summary>The quantiser for standard weights at K = 384 (not whole 512-chunks), for group-interleaved ones at K = 1024.</summary>
    private static void CheckQuantizer(Accelerator accelerator, float exactness, Int4Layout layout = Int4Layout.Standard)
    {
        int k = layout == Int4Layout.Standard ? 384 : 1024;
        const int tokens = 3;
        float[] x = ParityData.Random(tokens * k, 71, 3f);
        // A group of zeros (scale 0) and one with an exact tie at 0.5 of a step.
        for (int i = 0; i < 32; i++) x[64 + i] = 0;
        var reference = ReferenceQ(x, k, tokens, out var referenceScales);
        using var dx = accelerator.Upload<float>(x);
        var device = Q8Reference.QuantizeOnDevice(accelerator, dx, k, tokens, layout);
        var q = Q8Reference.Unpack(device.Values, k, tokens, layout);
        for (int i = 0; i < q.Length; i++)
            Assert.True(Math.Abs(q[i] - reference[i]) <= exactness, $"q[{i}] = {q[i]}, reference {reference[i]}");
        for (int g = 0; g < referenceScales.Length; g++)
        {
            Assert.Equal(referenceScales[g], device.Scales[g]);
            Assert.Equal(Enumerable.Range(32 * g, 32).Sum(i => (int)q[i]), device.Sums[g]);
        }
    }

    [Theory]
    [InlineData(false, Int4Layout.Standard)]
    [InlineData(true, Int4Layout.Standard)]
    [InlineData(false, Int4Layout.GroupInterleaved)]
    [InlineData(true, Int4Layout.GroupInterleaved)]
    public void Quantizer_matches_scalar_reference_on_cpu(bool groupBodies, Int4Layout layout)
    {
        using var accelerator = new CpuAccelerator(useGroupBodies: groupBodies);
        CheckQuantizer(accelerator, 0, layout);
    }

    /// <summary>OpenCL's 127 / max may differ from IEEE division by an ulp, which can move a value at a rounding tie by one step.</summary>
    [RequiresOpenCLTheory, InlineData(1, Int4Layout.Standard), InlineData(1, Int4Layout.GroupInterleaved)]
    public void Quantizer_matches_scalar_reference_on_opencl(int exactness, Int4Layout layout) =>
        MatMulBackends.With("opencl", accelerator => CheckQuantizer(accelerator, exactness, layout));

    [Theory, MemberData(nameof(Runs))]
    public void Q8_product_matches_exact_integer_sum_on_each_cpu_path(string path, string row) =>
        OnCpuPath(path, accelerator => ParityAssert.Passed(ParityTable.Find(row).Run(accelerator, "cpu")));

    /// <summary>
    /// Runs <paramref name="body"/> on the CPU backend's group bodies with the instruction-set path pinned ("avx512",
    /// "vnni512", "vnni", "avx2"); a path this machine lacks is not run (the lanes would run instead, which the parity table's
    /// cpu-lanes rows check).
    /// </summary>
    internal static void OnCpuPath(string path, Action<Accelerator> body)
    {
        var previous = Int4Q8CpuBody.Forced;
        Int4Q8CpuBody.Forced = path switch { "avx512" => Path.Avx512, "vnni512" => Path.Vnni512, "vnni" => Path.Vnni256, _ => Path.Avx2 };
        try
        {
            using var accelerator = new CpuAccelerator();
            if (Int4Q8CpuBody.IsAccelerated) body(accelerator);
        }
        finally
        {
            Int4Q8CpuBody.Forced = previous;
        }
    }

    /// <summary>
    /// q/k/v-style products of one x: quantised once, each output bit-identical to its own product; in either word order,
    /// and with the orders mixed (then each product quantises x for its own weights).
    /// </summary>
    [Theory]
    [InlineData(1, "standard")]
    [InlineData(6, "standard")]
    [InlineData(1, "interleaved")]
    [InlineData(6, "interleaved")]
    [InlineData(6, "mixed")]
    public void Products_sharing_x_equal_separate_products(int tokens, string layouts)
    {
        const int k = 512;
        int[] ns = [96, 32, 32];
        using var accelerator = new CpuAccelerator();
        Int4Layout LayoutOf(int i) => layouts == "interleaved" || (layouts == "mixed" && i == 1) ? Int4Layout.GroupInterleaved : Int4Layout.Standard;
        var weights = ns.Select((n, i) => (LinearWeights)Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(ParityData.Random(n * k, 100 + i, 0.1f), n, k, 32), LayoutOf(i))).ToArray();
        using var x = accelerator.Upload<float>(ParityData.Random(tokens * k, 99));
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
        var matrix = Int4Quantizer.Quantize(ParityData.Random(4 * 96, 1), 4, 96, 32);
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var x = accelerator.Allocate<float>(96);
        using var y = accelerator.Allocate<float>(4);
        var error = Assert.Throws<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 1, Int4Shape.Q8));
        Assert.Equal("shape", error.ParamName);
    }
}

[CollectionDefinition(nameof(Int4Q8MatMulTests), DisableParallelization = true)]
public sealed class Int4Q8MatMulCollection;
