using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>Turns CUresult codes into exceptions that carry the call, the error's name and the driver's description.</summary>
internal static unsafe class CudaErrors
{
    /// <summary>"CUDA_ERROR_OUT_OF_MEMORY (out of memory)", from the driver itself.</summary>
    public static string Describe(int code)
    {
        byte* name = null, text = null;
        string n = CuApi.cuGetErrorName(code, &name) == CuConstants.Success && name != null ? Marshal.PtrToStringUTF8((nint)name)! : $"CUresult {code}";
        string t = CuApi.cuGetErrorString(code, &text) == CuConstants.Success && text != null ? Marshal.PtrToStringUTF8((nint)text)! : "unknown error";
        return $"{n} ({t})";
    }

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="code"/> is CUDA_SUCCESS.</summary>
    public static void Check(int code, string call)
    {
        if (code != CuConstants.Success) throw new CudaException(call, code, Describe(code));
    }

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="code"/> is CUDA_SUCCESS; the call's text is formatted only then.</summary>
    public static void Check(int code, [InterpolatedStringHandlerArgument(nameof(code))] ref FailureMessage call)
    {
        if (code != CuConstants.Success) throw new CudaException(call.ToStringAndClear(), code, Describe(code));
    }
}
