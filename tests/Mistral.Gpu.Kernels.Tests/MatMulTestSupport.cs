using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// One accelerator per backend, shared by the norm / elementwise / matmul test classes. Every use takes the
/// backend's lock, since an accelerator is driven by one thread at a time and xunit runs classes in parallel.
/// </summary>
public static class MatMulBackends
{
    private static readonly Dictionary<string, Accelerator> Created = [];
    private static readonly Dictionary<string, object> Locks = new() { ["cpu"] = new object(), ["opencl"] = new object() };

    /// <summary>The backends every case table runs on; OpenCL tests skip (with the reason) where it is missing.</summary>
    public static readonly string[] Names = ["cpu", "opencl"];

    /// <summary>Runs <paramref name="body"/> with the backend's accelerator, holding its lock.</summary>
    public static void With(string backend, Action<Accelerator> body)
    {
        lock (Locks[backend])
        {
            Accelerator accelerator;
            lock (Created)
            {
                if (!Created.TryGetValue(backend, out accelerator!))
                {
                    accelerator = Accelerators.Create(Accelerators.ParseBackend(backend));
                    Created[backend] = accelerator;
                }
            }
            body(accelerator);
        }
    }

    /// <summary>Why OpenCL tests skip here, or null when an OpenCL device exists.</summary>
    public static string? OpenCLMissing => openCLMissing.Value;

    private static readonly Lazy<string?> openCLMissing = new(() =>
    {
        try
        {
            using var accelerator = Accelerators.Create(BackendKind.OpenCL);
            return null;
        }
        catch (BackendUnavailableException e)
        {
            return "No OpenCL device: " + e.Message;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            return "OpenCL runtime unusable: " + e.Message;
        }
    });

}

/// <summary>A theory that skips, with the reason, where no OpenCL device exists (fails with it where MGPU_REQUIRE_RUNTIMES=1).</summary>
public sealed class MatMulOpenCLTheoryAttribute : TheoryAttribute, IRuntimeRequirement
{
    public MatMulOpenCLTheoryAttribute()
    {
        MissingReason = MatMulBackends.OpenCLMissing;
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }
}

/// <summary>Random data and comparisons for the norm / elementwise / matmul tests.</summary>
public static class MatMulData
{
    /// <summary>Uniform values in [-scale, scale) from a fixed seed.</summary>
    public static float[] Random(long count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>Asserts |actual - expected| &lt;= relative * |expected| + absolute element-wise, naming the first failing index.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double bound = relative * Math.Abs(expected[i]) + absolute;
            if (!(error <= bound))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E3} > bound {bound:E3}).");
        }
    }
}
