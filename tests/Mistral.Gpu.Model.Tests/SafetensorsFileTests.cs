using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

public class SafetensorsFileTests
{
    [Fact]
    public void Reads_stories260k_tensors_and_metadata()
    {
        using var file = SafetensorsFile.Open(Path.Combine(SharedData.Stories260k, "consolidated.safetensors"));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([512L, 64L], file.GetShape("tok_embeddings.weight"));
        Assert.Equal(TensorDType.F32, file.GetInfo("layers.0.attention.wk.weight").DType);
        Assert.Equal([32L, 64L], file.GetShape("layers.0.attention.wk.weight"));
        float[] embedding = file.ReadFloat32("tok_embeddings.weight");
        Assert.Equal(512 * 64, embedding.Length);
        Assert.All(embedding, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(512 * 64 * 4, file.GetBytes("tok_embeddings.weight").Length);
    }

    [Theory]
    [MemberData(nameof(SharedData.MistralTinyCaseNames), MemberType = typeof(SharedData))]
    public void Reads_reference_I32_tokens_and_F32_logits(string caseName)
    {
        using var file = SafetensorsFile.Open(Path.Combine(SharedData.MistralTinyCase(caseName), "reference.safetensors"));
        int[] tokens = file.ReadInt32("tokens");
        Assert.Equal(1, tokens[0]);
        Assert.Equal(int.Parse(file.Metadata["prompt_len"]), tokens.Length);
        int[] decode = file.ReadInt32("decode_tokens");
        float[] logits = file.ReadFloat32("decode_logits");
        Assert.Equal(decode.Length * file.GetShape("decode_logits")[1], logits.Length);
        Assert.Contains("tokens", file.Tensors.Keys);
    }

    [Fact]
    public void Reading_an_integer_tensor_as_float_names_file_and_tensor()
    {
        string path = Path.Combine(SharedData.MistralTinyCase("case_a_hd16_w8"), "reference.safetensors");
        using var file = SafetensorsFile.Open(path);
        var e = Assert.Throws<InvalidDataException>(() => file.ReadFloat32("tokens"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'tokens'", e.Message);
    }

    [Fact]
    public void Missing_tensor_names_file_and_tensor()
    {
        string path = Path.Combine(SharedData.Stories260k, "consolidated.safetensors");
        using var file = SafetensorsFile.Open(path);
        var e = Assert.Throws<InvalidDataException>(() => file.GetBytes("no.such.tensor"));
        Assert.Contains(path, e.Message);
        Assert.Contains("no.such.tensor", e.Message);
    }

    [Fact]
    public void Converts_F16_and_BF16_exactly()
    {
        using var dir = new TempDirectory();
        float[] values = [0f, 1f, -2.5f, 65504f, 1e-3f, float.PositiveInfinity];
        var f16 = new byte[values.Length * 2];
        var bf16 = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BitConverter.TryWriteBytes(f16.AsSpan(i * 2), (Half)values[i]);
            BitConverter.TryWriteBytes(bf16.AsSpan(i * 2), Float32Conversion.SingleToBFloat16(values[i]));
        }
        string header = """{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[12,24]}}""";
        byte[] bytes = SafetensorsBytes.Build(header, 24);
        f16.CopyTo(bytes, bytes.Length - 24);
        bf16.CopyTo(bytes, bytes.Length - 12);
        using var file = SafetensorsFile.Open(dir.Write("halfs.safetensors", bytes));

        float[] h = file.ReadFloat32("h");
        float[] b = file.ReadFloat32("b");
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal((float)(Half)values[i], h[i]);
            Assert.Equal(Float32Conversion.BFloat16ToSingle(Float32Conversion.SingleToBFloat16(values[i])), b[i]);
        }
        Assert.Equal(1e-3f, b[4], 1e-5f);
    }

    [Fact]
    public void BFloat16_rounding_is_nearest_even()
    {
        // 1 + 2^-8 lies exactly between two bf16 values (1 and 1 + 2^-7): ties go to the even one, 1.
        Assert.Equal(1f, Float32Conversion.BFloat16ToSingle(Float32Conversion.SingleToBFloat16(1f + 1f / 256)));
        // 1 + 3·2^-8 is a tie between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up to the even one.
        Assert.Equal(1f + 1f / 64, Float32Conversion.BFloat16ToSingle(Float32Conversion.SingleToBFloat16(1f + 3f / 256)));
        Assert.True(float.IsNaN(Float32Conversion.BFloat16ToSingle(Float32Conversion.SingleToBFloat16(float.NaN))));
    }

    [Fact]
    public void Header_only_file_with_empty_tensor_opens()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("empty.safetensors", SafetensorsBytes.Build("""{"e":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]}}""", 0));
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.ReadFloat32("e"));
    }
}
