namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>The cuda.h constants we use.</summary>
internal static class CuConstants
{
    public const int Success = 0;
    public const int ErrorNoDevice = 100;
    public const int ErrorNotFound = 500;

    public const int AttributeMaxThreadsPerBlock = 1;
    public const int AttributeMaxSharedMemoryPerBlock = 8;
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;

    /// <summary>CU_POINTER_ATTRIBUTE_CONTEXT: the context a device pointer was allocated in.</summary>
    public const int PointerAttributeContext = 1;

    /// <summary>CU_STREAM_DEFAULT: the stream synchronises with the legacy default stream.</summary>
    public const uint StreamDefault = 0;

    /// <summary>CU_EVENT_DEFAULT: a timing event.</summary>
    public const uint EventDefault = 0;

    /// <summary>CU_JIT_ERROR_LOG_BUFFER and its size, for the PTX JIT's error log.</summary>
    public const int JitErrorLogBuffer = 5;
    public const int JitErrorLogBufferSizeBytes = 6;
}
