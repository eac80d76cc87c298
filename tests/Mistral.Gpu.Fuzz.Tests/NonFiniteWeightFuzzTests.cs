using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Mistral.Gpu.Model.Checkpoints;
using Xunit.Abstractions;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// Puts one NaN or infinity at a random element of a random weight of mistral-tiny case_a, in the fp32 and
/// the bf16 native checkpoints and the Hugging Face one (fixed seed). Every such checkpoint must be refused
/// on load with the tensor's name and the element's index, whichever backend would have run it (the
/// check is on the host, before anything is uploaded).
/// </summary>
public sealed class NonFiniteWeightFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 600;

    [Fact]
    public void A_non_finite_weight_anywhere_is_refused_naming_tensor_and_element()
    {
        string caseDir = SharedData.MistralTinyCase("case_a_hd16_w8");
        (string Weights, string Config, string Source)[] layouts =
        [
            ("consolidated.safetensors", "params.json", "consolidated.safetensors"),
            ("consolidated.safetensors", "params.json", "consolidated.bf16.safetensors"),
            ("model.safetensors", "config.json", "model.safetensors"),
        ];
        var random = FuzzSeed.For(6);
        var tally = new FuzzTally("non-finite weights", output);
        using var dir = new TempDirectory();
        for (int i = 0; i < Cases; i++)
        {
            var (weights, config, source) = layouts[i % layouts.Length];
            foreach (string stale in Directory.GetFiles(dir.Path)) File.Delete(stale);
            File.Copy(Path.Combine(caseDir, config), dir.File(config));
            byte[] bytes = File.ReadAllBytes(Path.Combine(caseDir, source));
            var (tensor, element) = Poison(bytes, random);
            string path = dir.Write(weights, bytes);

            var e = Assert.Throws<InvalidDataException>(() =>
            {
                using var reader = CheckpointReader.Open(dir.Path);
                reader.ReadAllFloat32();
            });
            Assert.Contains(path, e.Message);
            Assert.Contains($"'{tensor}'", e.Message);
            Assert.Contains($"element {element} ", e.Message);
            tally.Count("refused");
        }
        tally.Report(Cases);
    }

    /// <summary>Writes NaN, +inf or -inf over one element of one floating-point tensor; returns where.</summary>
    private static (string Tensor, long Element) Poison(byte[] file, Random random)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, headerLength))!.AsObject();
        var tensors = header.Where(p => p.Key != "__metadata__").ToArray();
        var (name, entry) = tensors[random.Next(tensors.Length)];
        string dtype = (string)entry!["dtype"]!;
        long begin = (long)entry["data_offsets"]![0]!, end = (long)entry["data_offsets"]![1]!;
        int size = dtype == "F32" ? 4 : 2;
        long element = random.NextInt64((end - begin) / size);
        int at = (int)(8 + headerLength + begin + element * size);
        float value = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity }[random.Next(3)];
        if (size == 4) BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(at), value);
        else if (dtype == "F16") BinaryPrimitives.WriteHalfLittleEndian(file.AsSpan(at), (Half)value);
        else BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at), Float32Conversion.SingleToBFloat16(value));
        return (name, element);
    }
}
