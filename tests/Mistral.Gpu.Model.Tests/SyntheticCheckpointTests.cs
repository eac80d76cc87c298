using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Tokenization;
using Mistral.Gpu.Runtime.Cpu;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Synthetic checkpoints (what <c>tools write-synthetic</c> writes at 14.5 GB) at a small shape: the files of each
/// layout, readable by the ordinary loader with the config they were written from, a tokenizer of the vocabulary,
/// and nothing of the user's overwritten.
/// </summary>
public class SyntheticCheckpointTests
{
    private static readonly ModelConfig Small = ModelConfig.Mistral7Bv03 with
    {
        Dim = 128, NLayers = 2, NHeads = 4, NKvHeads = 2, HeadDim = 32, HiddenDim = 256, VocabSize = 600, MaxSeqLen = 256,
    };

    [Theory]
    [InlineData(CheckpointLayout.Native)]
    [InlineData(CheckpointLayout.HuggingFace)]
    public void Each_layout_loads_with_its_config_and_tokenizer(CheckpointLayout layout)
    {
        using var dir = new TempDirectory();
        string folder = dir.File("model");
        SyntheticCheckpoint.Write(folder, Small, layout, seed: 3, shardBytes: 300_000);
        using (var reader = CheckpointReader.Open(folder))
        {
            Assert.Equal(layout, reader.Layout);
            Assert.Equal(Small with { Layout = layout }, reader.Config);
            Assert.Equal(TensorDType.BF16, reader.SourceDType);
            if (layout == CheckpointLayout.HuggingFace)
            {
                Assert.NotNull(reader.Files.IndexPath);
                Assert.True(reader.Files.WeightPaths.Count >= 2, $"{reader.Files.WeightPaths.Count} shards");
            }
            float[] norm = reader.ReadFloat32(new WeightId(WeightKind.Norm));
            Assert.All(norm, v => Assert.Equal(1f, v));
            float[] wq = reader.ReadFloat32(new WeightId(WeightKind.Wq, 1));
            // The range rounded to bf16, as the values are.
            float range = Float32Conversion.BFloat16ToSingle(Float32Conversion.SingleToBFloat16(SyntheticCheckpoint.WeightRange));
            Assert.All(wq, v => Assert.InRange(v, -range, range));
            Assert.True(wq.Distinct().Count() > 1000, "the weights are not random");
        }
        var tokenizer = ModelTokenizer.Load(folder);
        Assert.Equal(Small.VocabSize, tokenizer.VocabSize);
        Assert.Equal("Hello, world!", tokenizer.Decode(tokenizer.Encode("Hello, world!")));

        using var accelerator = new CpuAccelerator();
        using var model = MistralModel.Load(accelerator, folder);
        using var runner = new Transformer(model, maxChunk: 4);
        Assert.All(runner.AllLogits([1, 5, 70, 599]), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_folder_with_files_is_never_written_into()
    {
        using var dir = new TempDirectory();
        string mine = dir.Write("notes.txt", "mine");
        var e = Assert.Throws<IOException>(() => SyntheticCheckpoint.Write(dir.Path, Small, CheckpointLayout.Native));
        Assert.Contains(dir.Path, e.Message);
        Assert.Equal("mine", File.ReadAllText(mine));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Mistral_7B_is_14_5_GB_of_bf16() =>
        Assert.Equal(14_483_464_192L, SyntheticCheckpoint.WeightBytes(ModelConfig.Mistral7Bv01));
}
