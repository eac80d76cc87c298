using Mistral.Gpu.Roofline;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

public class BenchRunJsonTests
{
    internal static BenchRun SampleRun(string device = "Test GPU", double decodeTokensPerSecond = 40, double bandwidth = 1e12)
    {
        var peaks = new DevicePeaks
        {
            BandwidthBytesPerSecond = bandwidth,
            BandwidthSource = "measured: MemoryRead",
            MeasuredBandwidth = Statistics.Summarize([bandwidth, bandwidth * 0.99]),
        };
        var ms = Statistics.Summarize([10.0, 11.0, 9.5]);
        return new BenchRun
        {
            CreatedUtc = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Versions = new ToolVersions { Tool = "0.1.0", Runtime = ".NET 10", OperatingSystem = "Linux" },
            Device = new DeviceDescription { Backend = "opencl", Name = device, Vendor = "v", Platform = "p", MemoryBytes = 1L << 34, ComputeUnits = 2 },
            Peaks = peaks,
            Settings = new BenchSettings { Model = "synthetic:mistral-7b", Weights = "int4/32", PromptTokens = 16, DecodeTokens = 4, Warmup = 1, Repetitions = 3, Context = 512, Seed = 7 },
            Model = new ModelShape { Dim = 4096, Layers = 32, Heads = 32, KvHeads = 8, HeadDim = 128, HiddenDim = 14336, Vocab = 32000, Window = 4096, RopeTheta = 10000 },
            Prefill = new Throughput { Context = 16, Tokens = 16, TokensPerSecond = Statistics.Summarize([100.0, 120.0]), MillisecondsPerToken = ms, FlopsPerToken = 1.4e10 },
            PrefillByLength =
            [
                new Throughput { Context = 16, Tokens = 16, TokensPerSecond = Statistics.Summarize([100.0, 120.0]), MillisecondsPerToken = ms, FlopsPerToken = 1.4e10 },
                new Throughput { Context = 512, Tokens = 512, TokensPerSecond = Statistics.Summarize([80.0]), MillisecondsPerToken = ms, FlopsPerToken = 1.5e10 },
            ],
            Decode = new Throughput { Context = 512, Tokens = 4, TokensPerSecond = Statistics.Summarize([decodeTokensPerSecond]), MillisecondsPerToken = ms },
            DecodeByContext =
            [
                new Throughput { Context = 512, Tokens = 4, TokensPerSecond = Statistics.Summarize([decodeTokensPerSecond]), MillisecondsPerToken = ms },
                new Throughput { Context = 16384, Tokens = 4, TokensPerSecond = Statistics.Summarize([decodeTokensPerSecond * 0.9]), MillisecondsPerToken = ms },
            ],
            Memory = new MemoryUse { Context = 512, WeightsBytes = 4_000_000_000, KvCacheBytes = 1L << 30, ScratchBytes = 1 << 20 },
            Profile = new StepProfile
            {
                Position = 512,
                StepMilliseconds = 25,
                Kernels =
                [
                    KernelMeasurement.From(KernelCosts.MatMul(1, 4096, 4096, WeightEncoding.Int4(32)), ms, peaks, 32, 25),
                    KernelMeasurement.From(KernelCosts.Argmax(1, 32000), ms, peaks, 1, 25),
                ],
            },
        };
    }

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        var run = SampleRun();
        string json = BenchRunFile.ToJson(run);
        var back = BenchRunFile.FromJson(json);
        Assert.Equal(json, BenchRunFile.ToJson(back));
        Assert.Equal(run.Device, back.Device);
        Assert.Equal(run.Settings, back.Settings);
        Assert.Equal(run.Model, back.Model);
        Assert.Equal(run.Memory, back.Memory);
        Assert.Equal(run.CreatedUtc, back.CreatedUtc);
        Assert.Equal(run.Decode!.TokensPerSecond, back.Decode!.TokensPerSecond);
        Assert.Equal([16, 512], back.PrefillByLength.Select(p => p.Context));
        Assert.Equal(1.5e10, back.PrefillByLength[1].FlopsPerToken);
        // 1.5e10 FLOPs per token at a median of 80 tokens/s.
        Assert.Equal(1.2e12, back.PrefillByLength[1].FlopsPerSecond);
        Assert.Equal(run.Profile!.Kernels[0].FractionOfPeakBandwidth, back.Profile!.Kernels[0].FractionOfPeakBandwidth);
        Assert.True(back.Peaks.BandwidthIsMeasured);
        Assert.Contains("\"tokensPerSecond\"", json);
    }

    [Fact]
    public void Round_trip_through_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mgpu-bench-{Guid.NewGuid():N}", "run.json");
        try
        {
            BenchRunFile.Save(SampleRun(), path);
            Assert.Equal("Test GPU", BenchRunFile.Load(path).Device.Name);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>A run saved by a build before the suite's lists existed: they read as empty, and compare takes the file.</summary>
    [Fact]
    public void A_file_without_the_newer_lists_reads_them_as_empty_and_compares()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(BenchRunFile.ToJson(SampleRun()))!.AsObject();
        foreach (string field in new[] { "prefillByLength", "verification", "skipped", "decodeByContext" }) node.Remove(field);
        var old = BenchRunFile.FromJson(node.ToJsonString());
        Assert.Empty(old.PrefillByLength);
        Assert.Empty(old.Verification);
        Assert.Empty(old.Skipped);
        Assert.Empty(old.DecodeByContext);
        var table = CompareTable.Build([("old", old), ("new", SampleRun())]);
        Assert.Contains(table.Rows, r => r.Metric == "decode (tokens/s)");
    }

    [Fact]
    public void Foreign_or_newer_files_are_refused_with_a_reason()
    {
        Assert.Throws<InvalidDataException>(() => BenchRunFile.FromJson("{ not json", "x.json"));
        string newer = BenchRunFile.ToJson(SampleRun() with { SchemaVersion = BenchRun.CurrentSchema + 1 });
        var e = Assert.Throws<InvalidDataException>(() => BenchRunFile.FromJson(newer, "x.json"));
        Assert.Contains("schema", e.Message);
    }
}
