using Mistral.Gpu.Kernels.Parity;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The parity table's comparisons as assertions, for the tests beyond the table.</summary>
internal static class ParityAssert
{
    /// <summary>Every element within <paramref name="absolute"/> + <paramref name="relative"/>·|expected|, and finite.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double absolute, double relative, string what)
    {
        var check = new ParityCheck();
        check.Close(expected, actual, absolute, relative, what);
        Assert.True(check.Passed, check.Failure);
    }

    /// <summary>Every element within its own bound, and finite.</summary>
    public static void Within(ReadOnlySpan<double> expected, ReadOnlySpan<double> bounds, ReadOnlySpan<float> actual, string what)
    {
        var check = new ParityCheck();
        check.Within(expected, bounds, actual, what);
        Assert.True(check.Passed, check.Failure);
    }

    /// <summary>A parity row's result: passed, or the exception it threw, or its first failing element.</summary>
    public static void Passed(ParityResult result) => Assert.True(result.Passed, result.Error?.ToString() ?? result.Failure);
}
