namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>An OpenCL call failed; the message names the call and the error (for example <c>clCreateBuffer: CL_MEM_OBJECT_ALLOCATION_FAILURE</c>).</summary>
public sealed class OpenCLException : Exception
{
    internal OpenCLException(string call, int errorCode, string errorName)
        : base($"{call} failed: {errorName} ({errorCode}).")
    {
        Call = call;
        ErrorCode = errorCode;
        ErrorName = errorName;
    }

    /// <summary>The OpenCL function that failed.</summary>
    public string Call { get; }

    /// <summary>The cl_int status it returned.</summary>
    public int ErrorCode { get; }

    /// <summary>The status's symbolic name, such as <c>CL_OUT_OF_RESOURCES</c>.</summary>
    public string ErrorName { get; }
}
