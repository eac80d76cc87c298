using System.Buffers.Binary;
using System.Text;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Offsets past 2^32 in files over 4 GiB, as in a 14.5 GB single-file checkpoint: a sparse file (a few kilobytes on
/// disk) whose first tensor fills 4.5 GiB, so the second lies past 2^32, must read back exactly. A 32-bit slip in the
/// offset arithmetic would read the zeros of the hole instead.
/// </summary>
public sealed class LargeFileOffsetTests
{
    private const long PaddingBytes = (9L << 29) + 64;   // 4.5 GiB + 64: the next tensor starts past 2^32

    private static readonly float[] Values = [1.5f, -2.25f, 3.125f, 1e-3f, 65504f, -7f, 0.5f, 42f];

    [Fact]
    public void Safetensors_tensor_past_2_to_the_32_reads_back()
    {
        using var dir = new TempDirectory();
        string path = dir.File("big.safetensors");
        string header = $"{{\"pad\":{{\"dtype\":\"U8\",\"shape\":[{PaddingBytes}],\"data_offsets\":[0,{PaddingBytes}]}}," +
                        $"\"w\":{{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[{PaddingBytes},{PaddingBytes + 32}]}}}}";
        byte[] json = Encoding.UTF8.GetBytes(header);
        long dataStart = 8 + json.Length;
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(BitConverter.GetBytes((ulong)json.Length));
            stream.Write(json);
            stream.Position = dataStart + PaddingBytes;
            stream.Write(FloatBytes());
        }
        using var file = SafetensorsFile.Open(path);
        TensorInfo info = file.GetInfo("w");
        Assert.Equal(dataStart + PaddingBytes, file.DataOffset(info));
        Assert.True(file.DataOffset(info) > 1L << 32);
        Assert.Equal(Values, file.ReadFloat32("w"));
        file.ReleasePages(info);
        Assert.Equal(Values, file.ReadFloat32("w"));
    }

    [Fact]
    public void Gguf_tensor_past_2_to_the_32_reads_back()
    {
        using var dir = new TempDirectory();
        string path = dir.File("big.gguf");
        long padElements = PaddingBytes / 4 / 32 * 32 + 32;
        byte[] header = new GgufWriter()
            .RawTensor("pad", (uint)GgufTensorType.F32, [padElements], [])
            .RawTensor("w", (uint)GgufTensorType.F32, [4, 2], [])
            .ToBytes(offsets: [0, (ulong)(padElements * 4)]);
        long dataStart = GgufFile.AlignUp(header.Length, GgufFile.DefaultAlignment);
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(header);
            stream.Position = dataStart + padElements * 4;
            stream.Write(FloatBytes());
        }
        using var file = GgufFile.Open(path);
        GgufTensorInfo info = file.Tensors["w"];
        Assert.Equal(dataStart, file.DataStart);
        Assert.Equal(dataStart + padElements * 4, file.DataOffset(info));
        Assert.True(file.DataOffset(info) > 1L << 32);
        var values = new float[8];
        GgufBlocks.Dequantize(GgufTensorType.F32, file.GetBytes(info), values);
        Assert.Equal(Values, values);
        Assert.Throws<NotSupportedException>(() => file.GetBytes(file.Tensors["pad"]).Length);
    }

    [Fact]
    public void Align_up_stays_exact_past_2_to_the_32()
    {
        Assert.Equal((1L << 32) + 32, GgufFile.AlignUp((1L << 32) + 1, 32));
        Assert.Equal((5L << 32), GgufFile.AlignUp(5L << 32, 32));
        Assert.Equal((1L << 40) + 4096, GgufFile.AlignUp((1L << 40) + 4095, 4096));
    }

    private static byte[] FloatBytes()
    {
        var bytes = new byte[Values.Length * 4];
        for (int i = 0; i < Values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), Values[i]);
        return bytes;
    }
}
