namespace Mistral.Gpu.Language;

internal static class Intrinsic
{
    public static InvalidOperationException OutsideKernel(string name) => new(
        $"{name} is a kernel intrinsic: it runs only inside a [Kernel] launched through an Accelerator, where the generator lowers it.");
}
