using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>
/// Everything that differs between the C dialects, as data (tinygrad's cstyle renderer): the one
/// emitter formats these fields and never asks which dialect it is writing.
/// Format strings take <c>{0}</c>, <c>{1}</c>... for operands and <c>{s}</c> for the address-space suffix.
/// </summary>
internal sealed class Dialect
{
    public string Name { get; set; } = "";

    /// <summary>The self-contained prelude (types, builtins, conversions, warp and atomic helpers).</summary>
    public string Prelude { get; set; } = "";

    /// <summary>Before a kernel's return type (<c>extern "C" __global__</c>).</summary>
    public string KernelPrefix { get; set; } = "";

    /// <summary>Before a helper's return type.</summary>
    public string HelperPrefix { get; set; } = "";

    /// <summary>Qualifier of global-memory pointers (empty where pointers are generic).</summary>
    public string GlobalSpace { get; set; } = "";

    /// <summary>Qualifier of group-shared pointers and arrays' pointer parameters.</summary>
    public string SharedSpace { get; set; } = "";

    /// <summary>Qualifier of a group-shared array declaration.</summary>
    public string SharedDeclaration { get; set; } = "";

    /// <summary>The restrict keyword put on read-only views.</summary>
    public string Restrict { get; set; } = "";

    /// <summary>Lane index in the group, group index, group size and group count per axis (x, y, z).</summary>
    public string[] LaneId { get; set; } = [];
    public string[] GroupId { get; set; } = [];
    public string[] GroupSize { get; set; } = [];
    public string[] GroupCount { get; set; } = [];

    /// <summary>The group barrier statement, without the semicolon.</summary>
    public string Barrier { get; set; } = "";

    /// <summary>
    /// ILGPU's <c>MemoryFence.DeviceLevel()</c>, without the semicolon: orders this lane's global writes before its
    /// later ones as every group of the launch sees them (a last-arriving group then reads what the others wrote).
    /// </summary>
    public string DeviceFence { get; set; } = "";

    /// <summary>Declared at kernel scope when a kernel uses warp collectives (empty where the hardware has shuffles).</summary>
    public string WarpScratchDeclaration { get; set; } = "";

    /// <summary>The scratch array passed first to every warp-collective prelude function (empty where the hardware has shuffles).</summary>
    public string WarpScratch { get; set; } = "";

    /// <summary>
    /// Statements written before a warp collective's statement to publish the lane's operand ({0}: its 32 bits),
    /// empty where the hardware has shuffles. Where set, the collective's call reads the published operand and
    /// does not take it as an argument. The barriers sit in the kernel body, never in a prelude function,
    /// so a reduction costs two barriers rather than two per butterfly step.
    /// </summary>
    public string[] WarpPublish { get; set; } = [];

    /// <summary>The operand as 32 bits for <see cref="WarpPublish"/>, by prelude suffix (f, i, u): {0} the value.</summary>
    public Dictionary<string, string> WarpBits { get; set; } = new();

    /// <summary>
    /// <c>Mma.M16N8K16(a, b0, b1, c)</c> as a call format ({0} a, {1} b0, {2} b1, {3} c): inline PTX where there are tensor
    /// cores, otherwise a prelude function that exchanges the fragments through the warp scratch.
    /// </summary>
    public string MatrixMultiply { get; set; } = "";

    /// <summary>Address-space suffixes for prelude functions that must exist once per space.</summary>
    public string GlobalSuffix { get; set; } = "";
    public string SharedSuffix { get; set; } = "";

    /// <summary>C# type (keyword or simple name) to C type.</summary>
    public Dictionary<string, string> Types { get; set; } = new();

    /// <summary>Literal suffixes for 64-bit integers.</summary>
    public string LongSuffix { get; set; } = "";
    public string ULongSuffix { get; set; } = "";

    /// <summary><c>float.NaN</c>, <c>float.PositiveInfinity</c>, <c>float.NegativeInfinity</c>.</summary>
    public string FloatNaN { get; set; } = "";
    public string FloatInfinity { get; set; } = "";
    public string FloatNegativeInfinity { get; set; } = "";

    /// <summary>Format of a four-component vector value from its comma-joined components.</summary>
    public string Float4Constructor { get; set; } = "";
    public string UInt4Constructor { get; set; } = "";

    /// <summary>128-bit load/store formats: {0} pointer, {1} vector index, {2} value.</summary>
    public string LoadFloat4 { get; set; } = "";
    public string LoadUInt4 { get; set; } = "";
    public string StoreFloat4 { get; set; } = "";
    public string StoreUInt4 { get; set; } = "";

    /// <summary><c>KMath</c> member plus parameter type (<c>"Exp(float)"</c>) to a call format.</summary>
    public Dictionary<string, string> Math { get; set; } = new();

    /// <summary>Float remainder (<c>%</c> on floats), a call format.</summary>
    public string FloatRemainder { get; set; } = "";
    public string DoubleRemainder { get; set; } = "";

    /// <summary><c>Atomic</c> member plus parameter type (<c>"Add(float)"</c>) to a call format: {0} address, {1} value, {2} comparand.</summary>
    public Dictionary<string, string> Atomics { get; set; } = new();

    internal static string ReadPrelude(string resource)
    {
        using var stream = typeof(Dialect).GetTypeInfo().Assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException("Embedded prelude missing", resource);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("\r\n", "\n");
    }
}
