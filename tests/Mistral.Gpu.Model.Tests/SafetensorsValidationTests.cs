using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

/// <summary>Each way a safetensors file can be wrong gives one InvalidDataException naming the file and the tensor.</summary>
public class SafetensorsValidationTests
{
    private static InvalidDataException OpenFails(TempDirectory dir, byte[] bytes, string fileName = "bad.safetensors")
    {
        string path = dir.Write(fileName, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void Missing_file_is_FileNotFound_naming_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), "mistral-gpu-model-tests", "does-not-exist.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FileName);
    }

    [Fact]
    public void Truncated_file_shorter_than_length_field()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, [1, 2, 3]);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Truncated_data_section()
    {
        using var dir = new TempDirectory();
        byte[] real = File.ReadAllBytes(Path.Combine(SharedData.Stories260k, "consolidated.safetensors"));
        var e = OpenFails(dir, real[..(real.Length - 100)]);
        Assert.Contains("output.weight", e.Message);
        Assert.Contains("data section", e.Message);
    }

    [Fact]
    public void Header_length_beyond_file()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build("{}", 0, headerLengthOverride: 5000));
        Assert.Contains("header length 5000", e.Message);
    }

    [Fact]
    public void Absurd_header_length()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build("{}", 0, headerLengthOverride: ulong.MaxValue));
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void Offsets_out_of_range()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 16));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("past the end", e.Message);
    }

    [Fact]
    public void End_before_begin()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", 16));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("before begin", e.Message);
    }

    [Fact]
    public void Overlapping_offsets()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build(
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 16));
        Assert.Contains("overlap", e.Message);
        Assert.Contains("'a'", e.Message);
        Assert.Contains("'b'", e.Message);
    }

    [Fact]
    public void Wrong_byte_count_for_shape()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build("""{"w":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,16]}}""", 16));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("needs 12 bytes", e.Message);
    }

    [Fact]
    public void Shape_whose_size_overflows()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build(
            """{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,16]}}""", 16));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("overflow", e.Message);
    }

    [Fact]
    public void Unknown_dtype()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build("""{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", 4));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("F8_E4M3", e.Message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}""")]
    [InlineData("""not json at all""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("")]
    public void Invalid_json_header(string header)
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build(header, 16));
        Assert.Contains("header", e.Message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}""", "non-negative")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4.5],"data_offsets":[0,16]}}""", "non-negative")]
    [InlineData("""{"w":{"dtype":"F32","shape":"4","data_offsets":[0,16]}}""", "shape")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0]}}""", "data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[-1,15]}}""", "data_offsets")]
    [InlineData("""{"w":{"shape":[4],"data_offsets":[0,16]}}""", "dtype")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""", "twice")]
    [InlineData("""{"w":42}""", "object")]
    public void Malformed_entries_name_the_tensor(string header, string expectedWords)
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build(header, 16));
        Assert.Contains("'w'", e.Message);
        Assert.Contains(expectedWords, e.Message);
    }

    [Fact]
    public void Metadata_must_be_strings()
    {
        using var dir = new TempDirectory();
        var e = OpenFails(dir, SafetensorsBytes.Build("""{"__metadata__":{"format":1}}""", 0));
        Assert.Contains("__metadata__", e.Message);
        Assert.Contains("format", e.Message);
    }
}
