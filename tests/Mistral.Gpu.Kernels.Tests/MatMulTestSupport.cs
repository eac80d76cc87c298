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
    private static readonly Dictionary<string, object> Locks = new() { ["cpu"] = new object(), ["cpu-lanes"] = new object(), ["opencl"] = new object() };

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
                    // "cpu-lanes": the CPU backend stepping every kernel's lanes, the reference for its group bodies.
                    accelerator = backend == "cpu-lanes" ? new Mistral.Gpu.Runtime.Cpu.CpuAccelerator(useGroupBodies: false)
                        : Accelerators.Create(Accelerators.ParseBackend(backend));
                    Created[backend] = accelerator;
                }
            }
            body(accelerator);
        }
    }
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
