using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>Embedding lookup on every backend, including ids outside the vocabulary.</summary>
public sealed class EmbeddingTests
{
    private static readonly int[] Dims = [1, 3, 37, 100, 128, 4097];

    public static TheoryData<string, int> Table() => Rows("cpu");

    public static TheoryData<string, int> OpenCLTable() => Rows("opencl");

    private static TheoryData<string, int> Rows(string backend)
    {
        var data = new TheoryData<string, int>();
        foreach (int dim in Dims) data.Add(backend, dim);
        return data;
    }

    [Theory, MemberData(nameof(Table))]
    public void Embedding_copies_rows_and_zeroes_bad_ids_cpu(string backend, int dim) => Check(backend, dim);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLTable))]
    public void Embedding_copies_rows_and_zeroes_bad_ids_opencl(string backend, int dim) => Check(backend, dim);

    private static void Check(string backend, int dim)
    {
        const int vocab = 11;
        float[] table = MatMulData.Random(vocab * dim, 21);
        int[] ids = [3, 0, 10, -1, 11, 7, int.MaxValue, int.MinValue, 3, 1_000_000];
        var expected = new float[ids.Length * dim];
        for (int t = 0; t < ids.Length; t++)
            if (ids[t] is >= 0 and < vocab) Array.Copy(table, ids[t] * dim, expected, t * dim, dim);
        MatMulBackends.With(backend, accelerator =>
        {
            using var tableBuffer = accelerator.Upload<float>(table);
            using var idBuffer = accelerator.Upload<int>(ids);
            using var output = accelerator.Allocate<float>(ids.Length * dim);
            output.CopyFrom(Enumerable.Repeat(float.NaN, ids.Length * dim).ToArray());
            MistralKernels.Embedding(accelerator, tableBuffer, idBuffer, output, ids.Length, dim, vocab);
            Assert.Equal(expected, output.ToArray());
        });
    }

    [Fact]
    public void Embedding_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var table = accelerator.Allocate<float>(40);
            using var ids = accelerator.Allocate<int>(2);
            using var output = accelerator.Allocate<float>(8);
            Assert.Equal("count", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 0, 4, 10)).ParamName);
            Assert.Equal("dim", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 0, 10)).ParamName);
            Assert.Equal("vocab", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 4, 0)).ParamName);
            Assert.Equal("table", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 4, 11)).ParamName);
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 3, 2, 10)).ParamName);
            Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 8, 5)).ParamName);
        });
    }
}
