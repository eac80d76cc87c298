using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// Kernel definitions written by hand, following the device ABI of <see cref="KernelDefinition"/>
/// (a buffer is pointer, int offset, int length), so the backends are tested without the generator.
/// </summary>
internal static class HandWrittenKernels
{
    /// <summary>x[i] += value for i &lt; x.Length.</summary>
    public static readonly KernelDefinition AddScalar = new(
        "HandWritten.AddScalar",
        "add_scalar",
        [new KernelParameter("x", KernelParameterKind.Buffer, typeof(float)), new KernelParameter("value", KernelParameterKind.Scalar, typeof(float))],
        """
        extern "C" __global__ void add_scalar(float* x, int x_offset, int x_length, float value) {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < x_length) x[x_offset + i] += value;
        }
        """,
        """
        __kernel void add_scalar(__global float* x, int x_offset, int x_length, float value) {
            int i = get_global_id(0);
            if (i < x_length) x[x_offset + i] += value;
        }
        """,
        KernelFeatures.None,
        (group, arguments) =>
        {
            var x = arguments[0].AsView<float>();
            float value = arguments[1].AsSingle();
            for (int lane = 0; lane < group.LaneCount; lane++)
            {
                int i = group.GroupId.X * group.GroupSize.X + lane;
                if (i < x.Length) x[i] += value;
            }
        });

    /// <summary>y[i] = a * x[i] + y[i] for i &lt; n, with a validator requiring both windows to hold n elements.</summary>
    public static readonly KernelDefinition Axpy = new(
        "HandWritten.Axpy",
        "axpy",
        [
            new KernelParameter("x", KernelParameterKind.ReadOnlyBuffer, typeof(float)),
            new KernelParameter("y", KernelParameterKind.Buffer, typeof(float)),
            new KernelParameter("a", KernelParameterKind.Scalar, typeof(float)),
            new KernelParameter("n", KernelParameterKind.Scalar, typeof(int)),
        ],
        """
        extern "C" __global__ void axpy(const float* x, int x_offset, int x_length, float* y, int y_offset, int y_length, float a, int n) {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[y_offset + i] = a * x[x_offset + i] + y[y_offset + i];
        }
        """,
        """
        __kernel void axpy(__global const float* x, int x_offset, int x_length, __global float* y, int y_offset, int y_length, float a, int n) {
            int i = get_global_id(0);
            if (i < n) y[y_offset + i] = a * x[x_offset + i] + y[y_offset + i];
        }
        """,
        KernelFeatures.None,
        (group, arguments) =>
        {
            var x = arguments[0].AsReadOnlyView<float>();
            var y = arguments[1].AsView<float>();
            float a = arguments[2].AsSingle();
            int n = arguments[3].AsInt32();
            for (int lane = 0; lane < group.LaneCount; lane++)
            {
                int i = group.GroupId.X * group.GroupSize.X + lane;
                if (i < n) y[i] = a * x[i] + y[i];
            }
        },
        arguments =>
        {
            int n = arguments[3].AsInt32();
            if (arguments[0].Length < n) throw new ArgumentException($"x holds {arguments[0].Length} elements, n = {n} needs more.", "x");
            if (arguments[1].Length < n) throw new ArgumentException($"y holds {arguments[1].Length} elements, n = {n} needs more.", "y");
        });

    /// <summary>Writes each scalar argument's value, widened to double, so the scalar ABI (sizes and order) is checked.</summary>
    public static readonly KernelDefinition Scalars = new(
        "HandWritten.Scalars",
        "scalars",
        [
            new KernelParameter("output", KernelParameterKind.Buffer, typeof(double)),
            new KernelParameter("a", KernelParameterKind.Scalar, typeof(int)),
            new KernelParameter("b", KernelParameterKind.Scalar, typeof(uint)),
            new KernelParameter("c", KernelParameterKind.Scalar, typeof(long)),
            new KernelParameter("d", KernelParameterKind.Scalar, typeof(float)),
            new KernelParameter("e", KernelParameterKind.Scalar, typeof(double)),
            new KernelParameter("SCALE", KernelParameterKind.Specialization, typeof(int), [1, 10]),
        ],
        """
        extern "C" __global__ void scalars(double* o, int o_offset, int o_length, int a, unsigned int b, long long c, float d, double e) {
            if (threadIdx.x == 0) {
                o[o_offset + 0] = a * MGPU_SPEC_SCALE; o[o_offset + 1] = b; o[o_offset + 2] = (double)c; o[o_offset + 3] = d; o[o_offset + 4] = e;
            }
        }
        """,
        """
        #pragma OPENCL EXTENSION cl_khr_fp64 : enable
        __kernel void scalars(__global double* o, int o_offset, int o_length, int a, uint b, long c, float d, double e) {
            if (get_local_id(0) == 0) {
                o[o_offset + 0] = a * MGPU_SPEC_SCALE; o[o_offset + 1] = b; o[o_offset + 2] = (double)c; o[o_offset + 3] = d; o[o_offset + 4] = e;
            }
        }
        """,
        KernelFeatures.None,
        (group, arguments) =>
        {
            var o = arguments[0].AsView<double>();
            o[0] = arguments[1].AsInt32() * arguments[6].AsInt32();
            o[1] = arguments[2].AsUInt32();
            o[2] = arguments[3].AsInt64();
            o[3] = arguments[4].AsSingle();
            o[4] = arguments[5].AsDouble();
        });

    /// <summary>OpenCL C with a syntax error, to see the driver's log come back.</summary>
    public static readonly KernelDefinition Broken = new(
        "HandWritten.Broken",
        "broken",
        [new KernelParameter("x", KernelParameterKind.Buffer, typeof(float))],
        "extern \"C\" __global__ void broken(float* x, int x_offset, int x_length) { x[0] = ; }",
        "__kernel void broken(__global float* x, int x_offset, int x_length) { x[0] = undeclared_identifier_42; }",
        KernelFeatures.None,
        (_, _) => { });
}
