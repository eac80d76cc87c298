using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.Cuda;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// The launch arguments the GPU backends build from the device ABI, checked without a GPU: TiledMatMul's
/// (a, b, c, m, n, k, [Specialize] tile) must become twelve C arguments, each buffer its handle, offset and length,
/// the specialization none, as the generated signature <c>(a_base, a_offset, a_length, ..., m, n, k)</c> expects.
/// </summary>
public sealed unsafe class DeviceAbiTests : IDisposable
{
    private readonly CpuAccelerator accelerator = new();

    public void Dispose() => accelerator.Dispose();

    [Fact]
    public void Cuda_kernel_params_hold_each_C_argument_in_signature_order()
    {
        var kernel = Mistral.Gpu.Kernels.KernelCatalog.All.Single(k => k.Name == "ProofKernels.TiledMatMul");
        using var a = accelerator.Allocate<float>(40);
        using var b = accelerator.Allocate<float>(30);
        using var c = accelerator.Allocate<float>(20);
        KernelArgument[] arguments =
        [
            KernelArgument.From(a.Slice(3, 35)), KernelArgument.From(b.Slice(0, 30)), KernelArgument.From(c.Slice(7, 12)),
            KernelArgument.From(4), KernelArgument.From(3), KernelArgument.From(-5), KernelArgument.From(16),
        ];

        int count = DeviceAbi.ArgumentCount(kernel);
        Assert.Equal(12, count);
        ulong* slots = stackalloc ulong[count];
        void** pointers = stackalloc void*[count];
        CudaKernelArguments.Fill(kernel, arguments, slots, pointers);

        ulong[] expected =
        [
            (ulong)a.NativeHandle, 3, 35, (ulong)b.NativeHandle, 0, 30, (ulong)c.NativeHandle, 7, 12, 4, 3, unchecked((uint)-5),
        ];
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(expected[i], slots[i]);
            Assert.True(pointers[i] == &slots[i], $"kernelParams[{i}] must point at its own slot");
        }
    }
}
