using System.CommandLine;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Roofline.Charts;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary><c>mistral-gpu bench compare A.json B.json ...</c> (or bench suite folders): saved runs side by side, each later one as a ratio of the first.</summary>
internal static class BenchCompareCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("runs") { Description = "Two or more JSON files saved by bench --json, or report folders of bench suite (their run.json); the first is the baseline", Arity = ArgumentArity.OneOrMore };
        var markdown = new Option<bool>("--markdown") { Description = "Print the table as Markdown (to paste in an issue)" };
        var chart = new Option<string?>("--chart") { Description = "Also draw the runs as grouped bars into STEM.png and STEM.svg", HelpName = "STEM" };
        var force = new Option<bool>("--force") { Description = "With --chart, overwrite files that already exist" };
        var command = new Command("compare", "Compare saved bench runs side by side with ratios to the first.");
        command.Arguments.Add(files);
        command.Options.Add(markdown);
        command.Options.Add(chart);
        command.Options.Add(force);
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            if (paths.Length < 2)
            {
                Console.Error.WriteLine("error: bench compare needs at least two files saved by bench --json or folders written by bench suite.");
                return ModelOptions.ErrorExitCode;
            }
            string? chartStem = parse.GetValue(chart) is { } stem ? Path.GetFullPath(stem) : null;
            if (chartStem is not null && ChartProblem(chartStem, parse.GetValue(force)) is { } problem)
            {
                Console.Error.WriteLine($"error: --chart {problem}");
                return ModelOptions.ErrorExitCode;
            }
            var runs = new List<(string, BenchRun)>();
            foreach (var file in paths)
            {
                // A bench suite report folder holds its run as run.json.
                string path = Directory.Exists(file.FullName) ? Path.Combine(file.FullName, "run.json") : file.FullName;
                try { runs.Add((Label(file, paths), BenchRunFile.Load(path))); }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    return ModelOptions.ReportError(e);
                }
            }
            var table = CompareTable.Build(runs);
            if (chartStem is not null)
                Console.Error.WriteLine($"Saved {string.Join(" and ", ChartFiles.Save(CompareChart.Create(runs), chartStem))}");
            if (parse.GetValue(markdown))
            {
                Console.Write(table.ToMarkdown());
                return 0;
            }
            // Redirected output has no terminal width; a few runs side by side need more than 80 columns.
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 180);
            var view = new Table().Border(TableBorder.Rounded);
            foreach (var header in table.Headers) view.AddColumn(new TableColumn(Markup.Escape(header)));
            foreach (var row in table.Rows)
                view.AddRow([Markup.Escape(row.Metric), .. row.Cells.Select(Markup.Escape), .. row.Ratios.Select(r => Markup.Escape(CompareTable.FormatRatio(r)))]);
            AnsiConsole.Write(view);
            return 0;
        });
        return command;
    }

    /// <summary>Why the chart files for <paramref name="stem"/> cannot be written (null when they can): its folder must exist, and nothing is overwritten without --force.</summary>
    private static string? ChartProblem(string stem, bool force)
    {
        string folder = Path.GetDirectoryName(stem) ?? ".";
        if (!Directory.Exists(folder))
            return $"{stem}: the folder {folder} does not exist; create it first.";
        foreach (string path in ChartFiles.Paths(stem))
        {
            if (Directory.Exists(path))
                return $"{path} is a folder, so the chart cannot be written there.";
            if (File.Exists(path) && !force)
                return $"{path} already exists; pass --force to overwrite it.";
        }
        return null;
    }

    /// <summary>The file name, or the relative path when two files share a name (runs/h100/run.json vs runs/a100/run.json).</summary>
    private static string Label(FileInfo file, FileInfo[] all) =>
        all.Count(f => f.Name == file.Name) > 1 ? Path.GetRelativePath(Environment.CurrentDirectory, file.FullName)
            : Directory.Exists(file.FullName) ? file.Name : Path.GetFileNameWithoutExtension(file.Name);
}
