namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// This process's memory and disk counters from Linux's /proc/self (zero elsewhere): peak and current resident set,
/// its anonymous and file-backed parts (mapped checkpoint pages are file-backed), and bytes fetched from storage.
/// </summary>
internal readonly record struct ProcessMemory(long PeakRss, long Rss, long RssAnon, long RssFile, long StorageReadBytes, long ReadCallBytes)
{
    public static ProcessMemory Now()
    {
        if (!OperatingSystem.IsLinux()) return default;
        var status = Fields("/proc/self/status", ':');
        var io = Fields("/proc/self/io", ':');
        return new ProcessMemory(Kib(status, "VmHWM"), Kib(status, "VmRSS"), Kib(status, "RssAnon"), Kib(status, "RssFile"),
            io.TryGetValue("read_bytes", out var read) ? long.Parse(read) : 0, io.TryGetValue("rchar", out var rchar) ? long.Parse(rchar) : 0);
    }

    private static Dictionary<string, string> Fields(string path, char separator)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return result;
        foreach (string line in File.ReadAllLines(path))
        {
            int at = line.IndexOf(separator);
            if (at > 0) result[line[..at].Trim()] = line[(at + 1)..].Trim();
        }
        return result;
    }

    private static long Kib(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var value) && long.TryParse(value.Split(' ')[0], out long kib) ? kib * 1024 : 0;
}
