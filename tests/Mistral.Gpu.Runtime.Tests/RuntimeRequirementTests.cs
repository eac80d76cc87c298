using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// The rule behind every OpenCL / clang skip attribute: skip with the reason on a developer's machine,
/// but where MGPU_REQUIRE_RUNTIMES=1 (CI) run the test and fail it with the same reason.
/// </summary>
public sealed class RuntimeRequirementTests
{
    private const string NoSuchTool = "mgpu-no-such-tool-4f1c";

    [Fact]
    public void A_missing_runtime_skips_unless_runtimes_are_required()
    {
        Assert.Equal("no OpenCL", RuntimeRequirement.Decide("no OpenCL", required: false));
        Assert.Null(RuntimeRequirement.Decide("no OpenCL", required: true));
        Assert.Null(RuntimeRequirement.Decide(null, required: false));
        Assert.Null(RuntimeRequirement.Decide(null, required: true));
    }

    [Fact]
    public void A_missing_tool_is_skipped_or_failed_with_its_install_hint()
    {
        var fact = new RequiresToolFactAttribute(NoSuchTool, "apt-get install it");
        var theory = new RequiresToolTheoryAttribute(NoSuchTool, "apt-get install it");
        Assert.Equal($"{NoSuchTool} not found on PATH: apt-get install it", fact.MissingReason);
        Assert.Equal(fact.MissingReason, theory.MissingReason);
        // Which of the two this process does depends on how it was started (CI exports the variable).
        Assert.Equal(RuntimeRequirement.Required ? null : fact.MissingReason, fact.Skip);
        Assert.Equal(RuntimeRequirement.Required ? null : theory.MissingReason, theory.Skip);

        var failure = Assert.Throws<RequiredRuntimeMissingException>(() => RuntimeRequirement.Check([fact]));
        Assert.Contains(RuntimeRequirement.Variable + "=1", failure.Message);
        Assert.Contains(fact.MissingReason!, failure.Message);
    }

    [Fact]
    public void A_present_tool_neither_skips_nor_fails()
    {
        var fact = new RequiresToolFactAttribute("dotnet", "install .NET");
        Assert.Null(fact.MissingReason);
        Assert.Null(fact.Skip);
        RuntimeRequirement.Check([fact, new FactAttribute()]);
    }

    [Fact]
    public void The_OpenCL_attributes_agree_with_the_probe()
    {
        string? missing = OpenCLProbe.Unavailable();
        var fact = new RequiresOpenCLFactAttribute();
        var theory = new RequiresOpenCLTheoryAttribute();
        Assert.Equal(missing, fact.MissingReason);
        Assert.Equal(missing, theory.MissingReason);
        Assert.Equal(RuntimeRequirement.SkipReason(missing), fact.Skip);
        if (missing is null) RuntimeRequirement.Check([fact, theory]);
        else Assert.Throws<RequiredRuntimeMissingException>(() => RuntimeRequirement.Check([fact]));
    }

    [Fact]
    public void Cuda_facts_still_skip_when_runtimes_are_required()
    {
        // CI has no GPU: a CUDA fact is never a requirement, so it skips with its reason either way.
        var cuda = new RequiresCudaFactAttribute();
        Assert.IsNotAssignableFrom<IRuntimeRequirement>(cuda);
        if (cuda.Skip is not null) Assert.StartsWith("CUDA unavailable: ", cuda.Skip);
    }
}
