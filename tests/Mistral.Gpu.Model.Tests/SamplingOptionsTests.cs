using Mistral.Gpu.Model.Sampling;

namespace Mistral.Gpu.Model.Tests;

public class SamplingOptionsTests
{
    public static TheoryData<SamplingOptions, string> InvalidOptions() => new()
    {
        { new SamplingOptions(Temperature: -0.1f), "Temperature" },
        { new SamplingOptions(Temperature: float.NaN), "Temperature" },
        { new SamplingOptions(Temperature: float.PositiveInfinity), "Temperature" },
        { new SamplingOptions(TopK: -1), "TopK" },
        { new SamplingOptions(TopP: 0f), "TopP" },
        { new SamplingOptions(TopP: 1.01f), "TopP" },
        { new SamplingOptions(TopP: float.NaN), "TopP" },
        { new SamplingOptions(MaxTokens: -5), "MaxTokens" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_option_is_named(SamplingOptions options, string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new Sampler(options));
        Assert.Equal(name, e.ParamName);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Boundaries_are_accepted()
    {
        _ = new Sampler(new SamplingOptions(Temperature: 0f, TopK: 0, TopP: 1f, MaxTokens: 0));
        _ = new Sampler(new SamplingOptions(Temperature: 100f, TopK: 1, TopP: 1e-9f));
    }
}
