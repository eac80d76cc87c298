namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>The cl.h constants we use (values from the Khronos headers, OpenCL 1.2).</summary>
internal static class ClConstants
{
    public const int Success = 0;
    public const int PlatformNotFoundKhr = -1001;
    public const int DeviceNotFound = -1;

    public const ulong DeviceTypeCpu = 1 << 1;
    public const ulong DeviceTypeGpu = 1 << 2;
    public const ulong DeviceTypeAccelerator = 1 << 3;
    public const ulong DeviceTypeAll = 0xFFFFFFFF;

    public const uint PlatformVersion = 0x0901;
    public const uint PlatformName = 0x0902;

    public const uint DeviceType = 0x1000;
    public const uint DeviceMaxComputeUnits = 0x1002;
    public const uint DeviceMaxWorkGroupSize = 0x1004;
    public const uint DeviceGlobalMemSize = 0x101F;
    public const uint DeviceLocalMemSize = 0x1023;
    public const uint DeviceName = 0x102B;
    public const uint DeviceVendor = 0x102C;
    public const uint DriverVersion = 0x102D;
    public const uint DevicePlatform = 0x1031;

    public const nint ContextPlatform = 0x1084;

    public const uint QueueContext = 0x1090;
    public const uint QueueDevice = 0x1091;
    public const uint QueueProperties = 0x1093;
    public const ulong QueueOutOfOrderExecModeEnable = 1 << 0;
    public const ulong QueueProfilingEnable = 1 << 1;

    public const ulong MemReadWrite = 1 << 0;
    public const uint MemSize = 0x1102;
    public const uint MemContext = 0x1106;

    public const uint ProgramBuildLog = 0x1183;

    public const uint ProfilingCommandEnd = 0x1283;
}
