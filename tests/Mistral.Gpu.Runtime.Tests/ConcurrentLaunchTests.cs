using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// Hosts launch from many threads at once (an inference server's requests): launches of the same kernel
/// with different buffers, each thread on its own stream, must never see one another's arguments.
/// </summary>
public sealed class ConcurrentLaunchTests
{
    private static void Hammer(Accelerator accelerator)
    {
        const int threads = 8, launches = 400, n = 67;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            using var stream = accelerator.CreateStream();
            float[] a = Enumerable.Range(0, n).Select(i => (float)(i + thread)).ToArray();
            float[] b = Enumerable.Range(0, n).Select(i => (float)(thread * 1000)).ToArray();
            using var da = accelerator.Upload<float>(a);
            using var db = accelerator.Upload<float>(b);
            using var dc = accelerator.Allocate<float>(n);
            var result = new float[n];
            for (int launch = 0; launch < launches; launch++)
            {
                ProofKernels.VectorAddKernel.Launch(accelerator, LaunchDims.ForElements(n, 64), da, db, dc, n, stream);
                stream.Synchronize();
                dc.CopyTo(result);
                for (int i = 0; i < n; i += 5)
                    Assert.True(result[i] == a[i] + b[i], $"thread {thread}, launch {launch}: c[{i}] = {result[i]}, expected {a[i] + b[i]}");
            }
        });
    }

    [Fact]
    public void Cpu_launches_from_many_threads_keep_their_arguments()
    {
        using var cpu = new CpuAccelerator();
        Hammer(cpu);
    }

    [RequiresOpenCLFact]
    public void OpenCL_launches_from_many_threads_keep_their_arguments()
    {
        using var device = OpenCLAccelerator.Create();
        Hammer(device);
    }
}
