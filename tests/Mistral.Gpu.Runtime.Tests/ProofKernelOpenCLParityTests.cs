using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// The proof kernels' generated OpenCL C against the CPU backend running the C# kernels (PoCL in
/// CI). Exact where both sides do the same float operations in the same order (element-wise,
/// conversions, the warp butterfly); a tolerance where the device may contract a*b+c into an FMA
/// or uses its own exp.
/// </summary>
public sealed class ProofKernelOpenCLParityTests
{
    private static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Runs <paramref name="launch"/> on both backends and returns (cpu, opencl) copies of the output buffer.</summary>
    private static (T[] Cpu, T[] OpenCL) OnBoth<T>(int outputLength, Action<Accelerator, DeviceBuffer<T>> launch) where T : unmanaged
    {
        T[] Run(Accelerator accelerator)
        {
            using (accelerator)
            {
                var output = accelerator.Allocate<T>(outputLength);
                launch(accelerator, output);
                accelerator.Synchronize();
                var result = new T[outputLength];
                output.CopyTo(result);
                return result;
            }
        }
        return (Run(new CpuAccelerator()), Run(OpenCLAccelerator.Create()));
    }

    [RequiresOpenCLFact]
    public void VectorAdd_is_exact()
    {
        const int n = 1000;
        float[] a = Random(n, 1), b = Random(n, 2);
        var (cpu, gpu) = OnBoth<float>(n, (acc, c) => ProofKernels.VectorAddKernel.Launch(acc, LaunchDims.ForElements(n, 64), acc.Upload<float>(a), acc.Upload<float>(b), c, n));
        Assert.Equal(cpu, gpu);
    }

    [RequiresOpenCLFact]
    public void Reductions_agree()
    {
        const int n = 4097, groups = (n + ProofKernels.ReduceGroupSize - 1) / ProofKernels.ReduceGroupSize;
        float[] x = Random(n, 3);
        var dims = new LaunchDims(groups, ProofKernels.ReduceGroupSize);
        var (cpuTree, gpuTree) = OnBoth<float>(groups, (acc, s) => ProofKernels.GroupReduceSumKernel.Launch(acc, dims, acc.Upload<float>(x), s, n));
        var (cpuWarp, gpuWarp) = OnBoth<float>(groups, (acc, s) => ProofKernels.WarpReduceSumKernel.Launch(acc, dims, acc.Upload<float>(x), s, n));
        // Same additions in the same order on both sides.
        Assert.Equal(cpuTree, gpuTree);
        Assert.Equal(cpuWarp, gpuWarp);
    }

    [RequiresOpenCLFact]
    public void TiledMatMul_agrees()
    {
        const int m = 40, n = 23, k = 70, tile = 16;
        float[] a = Random(m * k, 4), b = Random(k * n, 5);
        var dims = new LaunchDims(new Dim3((n + tile - 1) / tile, (m + tile - 1) / tile), new Dim3(tile, tile));
        var (cpu, gpu) = OnBoth<float>(m * n, (acc, c) => ProofKernels.TiledMatMulKernel.Launch(acc, dims, acc.Upload<float>(a), acc.Upload<float>(b), c, m, n, k, tile));
        // The device may fuse the multiply-add (one rounding instead of two): 70 terms <= 1.
        for (int i = 0; i < cpu.Length; i++) Assert.True(Math.Abs(cpu[i] - gpu[i]) < 1e-5, $"C[{i}]: {cpu[i]} vs {gpu[i]}");
    }

    [RequiresOpenCLFact]
    public void Sixteen_bit_conversions_are_bit_exact()
    {
        const int n = 999;
        float[] x = Random(n, 6).Select((v, i) => v * MathF.Pow(2, i % 40 - 20)).ToArray();
        var (cpuHalf, gpuHalf) = OnBoth<Half>(n, (acc, h) => ProofKernels.HalfRoundTripKernel.Launch(acc, LaunchDims.ForElements(n, 64), acc.Upload<float>(x), h, acc.Allocate<float>(n), n));
        var (cpuBf, gpuBf) = OnBoth<BFloat16>(n, (acc, b) => ProofKernels.BFloat16RoundTripKernel.Launch(acc, LaunchDims.ForElements(n, 64), acc.Upload<float>(x), b, acc.Allocate<float>(n), n));
        Assert.Equal(cpuHalf, gpuHalf);
        Assert.Equal(cpuBf, gpuBf);
    }

    [RequiresOpenCLFact]
    public void Histogram_is_exact()
    {
        const int n = 4097, bins = 10;
        var random = new Random(8);
        int[] values = Enumerable.Range(0, n).Select(_ => random.Next(-2, bins + 2)).ToArray();
        var (cpu, gpu) = OnBoth<int>(bins, (acc, counts) => ProofKernels.HistogramKernel.Launch(acc, LaunchDims.ForElements(n, 64), acc.Upload<int>(values), counts, n, bins));
        Assert.Equal(cpu, gpu);
    }

    [RequiresOpenCLFact]
    public void SiluMultiply_agrees()
    {
        const int n = 1000;
        float[] gate = Random(n, 9), up = Random(n, 10);
        var (cpu, gpu) = OnBoth<float>(n, (acc, y) => ProofKernels.SiluMultiplyKernel.Launch(acc, LaunchDims.ForElements(n, 64), acc.Upload<float>(gate), acc.Upload<float>(up), y, n));
        // The device exp is within a few ulp of MathF.Exp.
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(cpu[i] - gpu[i]) <= 1e-6f + 1e-5f * Math.Abs(cpu[i]), $"y[{i}]: {cpu[i]} vs {gpu[i]}");
    }
}
