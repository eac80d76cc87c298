using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// The int4 word orders (<see cref="Int4Layout"/>): the group-interleaved order against its definition, the host
/// repacking both ways, the choice per device, and the refusals. The products over it are the parity table's
/// <c>matmul-int4-q8 … interleaved</c> rows; its dequantiser the <c>matmul-int4</c> rows.
/// </summary>
public sealed class Int4LayoutTests
{
    /// <summary>Word i of group g of a chunk lands at 16i + g of that chunk: every stored word once, nothing across chunks.</summary>
    [Fact]
    public void Interleaved_order_puts_word_i_of_each_group_side_by_side()
    {
        const int words = 3 * 64;
        var seen = new bool[words];
        for (int j = 0; j < words; j++)
        {
            int chunk = j / 64, group = j % 64 / 4, word = j % 4;
            int stored = Int4MatMul.StoredWord(j, 1);
            Assert.Equal(64 * chunk + 16 * word + group, stored);
            Assert.False(seen[stored], $"stored word {stored} taken twice");
            seen[stored] = true;
            Assert.Equal(j, Int4MatMul.StoredWord(j, 0));
        }
    }

    [Fact]
    public void Arranging_and_reading_back_restores_the_standard_words()
    {
        const int n = 3, k = 1024;
        var standard = Enumerable.Range(0, n * k / 8).Select(i => (uint)(i * 2654435761u)).ToArray();
        var stored = Int4Layouts.Arrange(standard, k, Int4Layout.GroupInterleaved);
        Assert.NotEqual(standard, stored);
        // Row 1's first chunk: its group 1 (standard words 4..7) is stored at words 1, 17, 33, 49 of the row.
        Assert.Equal(standard[128 + 5], stored[128 + 17]);
        Assert.Equal(standard, Int4Layouts.ToStandard(stored, k, Int4Layout.GroupInterleaved));
        Assert.Same(standard, Int4Layouts.Arrange(standard, k, Int4Layout.Standard));
    }

    [Fact]
    public void Cpu_backend_prefers_the_interleaved_order_where_its_body_reads_it()
    {
        using var accelerator = new CpuAccelerator();
        var expected = Int4Q8CpuBody.ReadsInterleaved ? Int4Layout.GroupInterleaved : Int4Layout.Standard;
        Assert.Equal(expected, Int4Layouts.PreferredFor(accelerator, 4096));
        Assert.Equal(expected, Int4Layouts.PreferredFor(accelerator, 14336));
        // 384 and 1152 are whole 128-blocks, not whole 512-chunks.
        Assert.Equal(Int4Layout.Standard, Int4Layouts.PreferredFor(accelerator, 384));
        Assert.Equal(Int4Layout.Standard, Int4Layouts.PreferredFor(accelerator, 1152));
    }

    [Fact]
    public void Other_backends_keep_the_standard_order()
    {
        using var accelerator = Accelerators.Create(BackendKind.IlgpuCpu);
        Assert.Equal(Int4Layout.Standard, Int4Layouts.PreferredFor(accelerator, 4096));
    }

    [Fact]
    public void Interleaved_upload_refuses_k_that_is_not_whole_chunks()
    {
        using var accelerator = new CpuAccelerator();
        var matrix = Int4Quantizer.Quantize(ParityData.Random(2 * 384, 1), 2, 384, 32);
        var error = Assert.Throws<ArgumentException>(() => Int4Weights.Upload(accelerator, matrix, Int4Layout.GroupInterleaved));
        Assert.Equal("layout", error.ParamName);
        Assert.Contains("K = 384", error.Message);
        Assert.Throws<ArgumentException>(() => Int4Weights.Upload(accelerator, matrix, (Int4Layout)7));
    }

    /// <summary>Only the Q8 kernels read the interleaved order: forcing another kernel on such weights is refused, not run on the wrong words.</summary>
    [Theory]
    [InlineData("Rows")]
    [InlineData("RowsVector")]
    [InlineData("Warp")]
    [InlineData("Dp4a")]
    [InlineData("Mma")]
    public void Non_q8_kernels_refuse_interleaved_weights(string kernel)
    {
        var shape = Enum.Parse<Int4Shape>(kernel);
        using var accelerator = new CpuAccelerator();
        using var weights = Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(ParityData.Random(4 * 512, 2), 4, 512, 32), Int4Layout.GroupInterleaved);
        using var x = accelerator.Allocate<float>(512);
        using var y = accelerator.Allocate<float>(4);
        var error = Assert.Throws<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 1, shape));
        Assert.Equal("shape", error.ParamName);
        Assert.Contains(nameof(Int4Layout.GroupInterleaved), error.Message);
    }

    /// <summary>The fused gate/up GEMVs read the standard order only: forcing one on interleaved weights is refused; the device's choice runs the Q8 product.</summary>
    [Fact]
    public void Forced_swiglu_gemv_refuses_interleaved_weights()
    {
        const int h = 8, k = 512;
        MatMulBackends.With("ilgpu-cpu", accelerator =>
        {
            using var group = LinearGroup.Create([
                Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(ParityData.Random(h * k, 5, 0.1f), h, k, 32), Int4Layout.GroupInterleaved),
                Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(ParityData.Random(h * k, 6, 0.1f), h, k, 32), Int4Layout.GroupInterleaved)]);
            Assert.IsType<Int4Weights>(group.Fused);
            using var x = accelerator.Upload<float>(ParityData.Random(k, 7));
            using var gateUp = accelerator.Allocate<float>(2 * h);
            using var hidden = accelerator.Allocate<float>(h);
            var error = Assert.Throws<ArgumentException>(() => MistralKernels.MatMulSwiGlu(accelerator, group, x, gateUp, hidden, 1, Int4Shape.Warp));
            Assert.Equal("shape", error.ParamName);
            Assert.Contains(nameof(Int4Layout.GroupInterleaved), error.Message);
            MistralKernels.MatMulSwiGlu(accelerator, group, x, gateUp, hidden, 1);
            Assert.All(hidden.ToArray(), v => Assert.True(float.IsFinite(v)));
        });
    }

    /// <summary>A forced dp4a SwiGLU GEMV that cannot run (here: the CPU backend keeps gate and up apart) is refused, not replaced by two launches.</summary>
    [Fact]
    public void Forced_dp4a_swiglu_without_fused_weights_is_refused()
    {
        const int h = 8, k = 512;
        using var accelerator = new CpuAccelerator();
        using var group = LinearGroup.Create([
            Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(ParityData.Random(h * k, 5, 0.1f), h, k, 32)),
            Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(ParityData.Random(h * k, 6, 0.1f), h, k, 32))]);
        using var x = accelerator.Allocate<float>(k);
        using var gateUp = accelerator.Allocate<float>(2 * h);
        using var hidden = accelerator.Allocate<float>(h);
        var error = Assert.Throws<ArgumentException>(() => MistralKernels.MatMulSwiGlu(accelerator, group, x, gateUp, hidden, 1, Int4Shape.Dp4a));
        Assert.Equal("shape", error.ParamName);
        Assert.Contains("unfused", error.Message);
    }

    /// <summary>Rows of an interleaved matrix (the fused q/k/v's parts) keep its order and give the rows' products.</summary>
    [Fact]
    public void Row_views_and_concatenation_keep_the_order()
    {
        const int k = 1024;
        using var accelerator = new CpuAccelerator();
        var a = Int4Quantizer.Quantize(ParityData.Random(8 * k, 3, 0.1f), 8, k, 32);
        var b = Int4Quantizer.Quantize(ParityData.Random(4 * k, 4, 0.1f), 4, k, 32);
        using var first = Int4Weights.Upload(accelerator, a, Int4Layout.GroupInterleaved);
        using var second = Int4Weights.Upload(accelerator, b, Int4Layout.GroupInterleaved);
        using var both = (Int4Weights)first.Concatenate([second]);
        Assert.Equal(Int4Layout.GroupInterleaved, both.Layout);
        Assert.Equal(a.Packed.Concat(b.Packed), both.Download().Packed);
        using var tail = (Int4Weights)both.Rows(8, 4);
        Assert.Equal(Int4Layout.GroupInterleaved, tail.Layout);
        Assert.Equal(b.Packed, tail.Download().Packed);
    }
}
