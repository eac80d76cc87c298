using System.Reflection;
using Xunit.Sdk;

// Every test of a project that compiles tests/Shared passes through the check below, so a test whose
// runtime is required (MGPU_REQUIRE_RUNTIMES=1) but missing fails with the reason instead of skipping.
[assembly: Mistral.Gpu.Tests.Shared.RuntimeRequirementCheck]

namespace Mistral.Gpu.Tests.Shared;

/// <summary>
/// Whether a missing runtime (OpenCL, clang-14) skips a test or fails it. On a developer's machine a
/// missing runtime skips, with the reason. Where <c>MGPU_REQUIRE_RUNTIMES=1</c> (CI exports it) the
/// test is not skipped: it runs and fails before its body with the same reason, so CI can never go
/// green with the OpenCL or clang tests silently skipped. CUDA is never required (CI has no GPU).
/// </summary>
public static class RuntimeRequirement
{
    /// <summary>The environment variable that turns missing runtimes from skips into failures.</summary>
    public const string Variable = "MGPU_REQUIRE_RUNTIMES";

    /// <summary>True when <see cref="Variable"/> is <c>1</c>.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>
    /// The Skip value for a test whose runtime is missing for <paramref name="reasonIfMissing"/>
    /// (null when it is present): the reason, or null when runtimes are required so that the test
    /// runs and <see cref="RuntimeRequirementCheckAttribute"/> fails it with the reason.
    /// </summary>
    public static string? SkipReason(string? reasonIfMissing) => Decide(reasonIfMissing, Required);

    /// <summary><see cref="SkipReason"/> with the requirement given explicitly (for tests of this rule).</summary>
    public static string? Decide(string? reasonIfMissing, bool required) => required ? null : reasonIfMissing;

    /// <summary>The failure message of a required runtime that is missing.</summary>
    public static string FailureMessage(string reasonIfMissing) =>
        $"{Variable}=1 requires this test to run, but its runtime is missing: {reasonIfMissing}";

    /// <summary>Throws <see cref="RequiredRuntimeMissingException"/> when <paramref name="method"/> carries a requirement that is missing here.</summary>
    public static void Check(MethodInfo method) => Check(method.GetCustomAttributes(inherit: true));

    /// <summary>Throws <see cref="RequiredRuntimeMissingException"/> when one of <paramref name="attributes"/> is a requirement that is missing here.</summary>
    public static void Check(IEnumerable<object> attributes)
    {
        foreach (var requirement in attributes.OfType<IRuntimeRequirement>())
            if (requirement.MissingReason is { } missing)
                throw new RequiredRuntimeMissingException(FailureMessage(missing));
    }
}

/// <summary>An attribute (a fact or theory) whose test needs a runtime that may be missing.</summary>
public interface IRuntimeRequirement
{
    /// <summary>Why the runtime cannot be used here, or null when it can.</summary>
    string? MissingReason { get; }
}

/// <summary>A required runtime is missing (see <see cref="RuntimeRequirement"/>).</summary>
public sealed class RequiredRuntimeMissingException(string message) : Exception(message)
{
    /// <summary>None: the message says all there is, and where it was thrown is the same for every test.</summary>
    public override string? StackTrace => null;
}

/// <summary>
/// Runs before every test: a test reaches its body only if each runtime it requires is present. The
/// test only gets here with a missing runtime when <see cref="RuntimeRequirement.Required"/> kept it
/// from being skipped, and then it fails with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class RuntimeRequirementCheckAttribute : BeforeAfterTestAttribute
{
    /// <inheritdoc />
    public override void Before(MethodInfo methodUnderTest) => RuntimeRequirement.Check(methodUnderTest);
}
