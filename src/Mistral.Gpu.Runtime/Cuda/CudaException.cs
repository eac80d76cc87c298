namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>A CUDA driver call failed; the message names the call, the error and the driver's description of it.</summary>
public sealed class CudaException : Exception
{
    internal CudaException(string call, int errorCode, string description)
        : base($"{call} failed: {description}.")
    {
        Call = call;
        ErrorCode = errorCode;
        Description = description;
    }

    /// <summary>The driver function that failed.</summary>
    public string Call { get; }

    /// <summary>The CUresult it returned.</summary>
    public int ErrorCode { get; }

    /// <summary>The error's name and the driver's text, such as <c>CUDA_ERROR_OUT_OF_MEMORY (out of memory)</c>.</summary>
    public string Description { get; }
}
