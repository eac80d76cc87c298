// Launches the sample's own Saxpy kernel on the default backend (MISTRAL_GPU_BACKEND, else CUDA,
// then OpenCL, then the CPU) and checks every element against a plain C# loop. Exit code 0 when all
// match. The inputs are small multiples of 1/4, so a * x + y is exact in float whether or not the
// device fuses the multiply-add: the comparison can be exact on every backend.
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Samples.CustomKernel;

const int n = 100_003; // not a multiple of the group size: the kernel's bounds check covers the tail
const float a = 2.5f;
var x = new float[n];
var y = new float[n];
for (int i = 0; i < n; i++)
{
    x[i] = i % 97 * 0.25f;
    y[i] = 1 - i % 13;
}

using var accelerator = Accelerators.Create();
using var deviceX = accelerator.Upload<float>(x);
using var deviceY = accelerator.Upload<float>(y);
using var deviceResult = accelerator.Allocate<float>(n);
SaxpyKernels.SaxpyKernel.Launch(accelerator, LaunchDims.ForElements(n, 256), a, deviceX, deviceY, deviceResult, n);
var result = new float[n];
deviceResult.CopyTo(result);

int wrong = 0;
for (int i = 0; i < n; i++)
    if (result[i] != a * x[i] + y[i]) wrong++;
Console.WriteLine($"saxpy on {accelerator.Info.Backend} ({accelerator.Info.Name}): {n - wrong} of {n} elements match the C# reference");
return wrong == 0 ? 0 : 1;
