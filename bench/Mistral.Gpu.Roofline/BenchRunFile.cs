using System.Text.Json;

namespace Mistral.Gpu.Roofline;

/// <summary>Reads and writes <see cref="BenchRun"/> JSON files.</summary>
public static class BenchRunFile
{
    /// <summary>The run as JSON text.</summary>
    public static string ToJson(BenchRun run) => JsonSerializer.Serialize(run, BenchJsonContext.Default.BenchRun);

    /// <summary>A run from JSON text.</summary>
    /// <exception cref="InvalidDataException">The text is not a bench run, or one of a newer schema.</exception>
    public static BenchRun FromJson(string json, string origin = "the input")
    {
        BenchRun? run;
        try { run = JsonSerializer.Deserialize(json, BenchJsonContext.Default.BenchRun); }
        catch (JsonException e) { throw new InvalidDataException($"{origin} is not a mistral-gpu bench file: {e.Message}", e); }
        if (run is null) throw new InvalidDataException($"{origin} is empty.");
        if (run.SchemaVersion > BenchRun.CurrentSchema)
            throw new InvalidDataException($"{origin} has schema {run.SchemaVersion}; this mistral-gpu reads up to {BenchRun.CurrentSchema}. Update mistral-gpu.");
        // The source-generated reader sets every init-only list a file lacks to null, over its "= []": files written before
        // a list existed (an older build's run, compared with a new one) must read as empty lists.
        return run with
        {
            PrefillByLength = run.PrefillByLength ?? [],
            DecodeByContext = run.DecodeByContext ?? [],
            Verification = run.Verification ?? [],
            Skipped = run.Skipped ?? [],
        };
    }

    /// <summary>Writes the run to <paramref name="path"/>, creating its folder.</summary>
    public static void Save(BenchRun run, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        File.WriteAllText(path, ToJson(run));
    }

    /// <summary>Reads the run saved at <paramref name="path"/>.</summary>
    public static BenchRun Load(string path) => FromJson(File.ReadAllText(path), path);
}
