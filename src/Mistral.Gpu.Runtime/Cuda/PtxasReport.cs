using System.Globalization;
using System.Text.RegularExpressions;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// What ptxas said about one entry function when NVRTC compiled CUBIN with
/// <see cref="NvrtcCompiler.VerboseOption"/>: the resources that decide occupancy and whether the
/// kernel spills.
/// </summary>
/// <param name="Function">The entry function's name.</param>
/// <param name="Architecture">The real architecture, such as <c>sm_90</c>.</param>
/// <param name="Registers">Registers per thread.</param>
/// <param name="SharedBytes">Static shared memory per group.</param>
/// <param name="StackBytes">The stack frame per thread (local arrays and spills).</param>
/// <param name="SpillStoreBytes">Bytes of register spill stores.</param>
/// <param name="SpillLoadBytes">Bytes of register spill loads.</param>
internal sealed record PtxasEntry(string Function, string Architecture, int Registers, int SharedBytes, int StackBytes, int SpillStoreBytes, int SpillLoadBytes)
{
    /// <summary>"40 registers, 1024 B smem, 0 B stack, 0/0 B spill stores/loads".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Registers} registers, {SharedBytes} B smem, {StackBytes} B stack, {SpillStoreBytes}/{SpillLoadBytes} B spill stores/loads");
}

/// <summary>Parses ptxas's verbose report out of an NVRTC program log.</summary>
internal static partial class PtxasReport
{
    /// <summary>
    /// Every entry function the log reports, in order. Lines of other functions (non-inlined device
    /// functions report a stack frame too) are not entries and are skipped.
    /// </summary>
    public static IReadOnlyList<PtxasEntry> Parse(string log)
    {
        var entries = new List<PtxasEntry>();
        string? function = null, architecture = null;
        int stack = 0, spillStores = 0, spillLoads = 0;
        foreach (var line in log.Split('\n'))
        {
            if (EntryLine().Match(line) is { Success: true } entry)
            {
                (function, architecture) = (entry.Groups[1].Value, entry.Groups[2].Value);
                (stack, spillStores, spillLoads) = (0, 0, 0);
            }
            else if (function is not null && FrameLine().Match(line) is { Success: true } frame)
            {
                (stack, spillStores, spillLoads) = (Number(frame, 1), Number(frame, 2), Number(frame, 3));
            }
            else if (function is not null && UsedLine().Match(line) is { Success: true } used)
            {
                // Newer ptxas put barriers and stack sizes between the registers and smem, so smem is found anywhere after.
                int shared = SharedField().Match(used.Groups[2].Value) is { Success: true } smem ? Number(smem, 1) : 0;
                entries.Add(new PtxasEntry(function, architecture!, Number(used, 1), shared, stack, spillStores, spillLoads));
                function = null;
            }
        }
        return entries;
    }

    private static int Number(Match match, int group) => int.Parse(match.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^ptxas info\s*: Compiling entry function '([^']+)' for '(sm_\d+[a-z]?)'")]
    private static partial Regex EntryLine();

    [GeneratedRegex(@"^ptxas\s+\.\s+(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"^ptxas info\s*: Used (\d+) registers(.*)$")]
    private static partial Regex UsedLine();

    [GeneratedRegex(@"\b(\d+) bytes smem")]
    private static partial Regex SharedField();
}
