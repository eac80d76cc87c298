using System.CommandLine;
using Mistral.Gpu.Roofline;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary><c>mistral-gpu bench compare A.json B.json ...</c>: saved runs side by side, each later one as a ratio of the first.</summary>
internal static class BenchCompareCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("runs") { Description = "Two or more JSON files saved by bench --json; the first is the baseline", Arity = ArgumentArity.OneOrMore };
        var markdown = new Option<bool>("--markdown") { Description = "Print the table as Markdown (to paste in an issue)" };
        var command = new Command("compare", "Compare saved bench runs side by side with ratios to the first.");
        command.Arguments.Add(files);
        command.Options.Add(markdown);
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            if (paths.Length < 2)
            {
                Console.Error.WriteLine("error: bench compare needs at least two files saved by bench --json.");
                return ModelOptions.ErrorExitCode;
            }
            var runs = new List<(string, BenchRun)>();
            foreach (var file in paths)
            {
                try { runs.Add((Label(file, paths), BenchRunFile.Load(file.FullName))); }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    return ModelOptions.ReportError(e);
                }
            }
            var table = CompareTable.Build(runs);
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

    /// <summary>The file name, or the relative path when two files share a name (runs/h100/run.json vs runs/a100/run.json).</summary>
    private static string Label(FileInfo file, FileInfo[] all) =>
        all.Count(f => f.Name == file.Name) > 1 ? Path.GetRelativePath(Environment.CurrentDirectory, file.FullName) : Path.GetFileNameWithoutExtension(file.Name);
}
