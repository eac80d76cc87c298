using System.Buffers.Binary;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

public class SafetensorsWriterTests
{
    [Fact]
    public void Round_trips_F32_and_I32_with_metadata_and_aligned_header()
    {
        using var dir = new TempDirectory();
        string path = dir.File("out.safetensors");
        float[] logits = [1.5f, -2f, 3.25f, 0f, float.MinValue, 7f];
        int[] tokens = [1, 403, -7];
        SafetensorsWriter.Write(path,
            [SafetensorsTensorData.Float32("logits", logits, 2, 3), SafetensorsTensorData.Int32("tokens", tokens, 3)],
            new Dictionary<string, string> { ["model"] = "stories260k" });

        byte[] raw = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(raw);
        Assert.Equal(0UL, headerLength % 8);
        string headerText = System.Text.Encoding.UTF8.GetString(raw, 8, (int)headerLength);
        Assert.EndsWith("}", headerText.TrimEnd(' '));
        Assert.InRange(headerText.Length - headerText.TrimEnd(' ').Length, 0, 7);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(logits, file.ReadFloat32("logits"));
        Assert.Equal([2L, 3L], file.GetShape("logits"));
        Assert.Equal(tokens, file.ReadInt32("tokens"));
        Assert.Equal("stories260k", file.Metadata["model"]);
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Replaces_an_existing_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("out.safetensors", "old contents");
        SafetensorsWriter.Write(path, [SafetensorsTensorData.Int32("t", [5], 1)]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([5], file.ReadInt32("t"));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temporary()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("out.safetensors", "old contents");
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [SafetensorsTensorData.Int32("t", [5], 1), SafetensorsTensorData.Int32("t", [6], 1)]));
        Assert.Equal("old contents", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_write_failing_midway_leaves_no_partial_file()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "missing-subfolder", "out.safetensors");
        Assert.ThrowsAny<IOException>(() => SafetensorsWriter.Write(path, [SafetensorsTensorData.Int32("t", [5], 1)]));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Shape_must_match_value_count()
    {
        var e = Assert.Throws<ArgumentException>(() => SafetensorsTensorData.Float32("x", [1f, 2f, 3f], 2, 2));
        Assert.Contains("'x'", e.Message);
    }
}
