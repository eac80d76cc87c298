using System.CommandLine;
using Mistral.Gpu.Cli.Commands;

namespace Mistral.Gpu.Cli;

/// <summary>
/// The whole command line: the commands, and how a run ends (a refused command line is one line
/// <c>error: ...</c> and exit code 2, like any other bad input). Public so that the fuzz tests can run
/// thousands of command lines in one process.
/// </summary>
public static class CliApp
{
    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args)
    {
        var parse = Create().Parse(args);
        return parse.Errors.Count > 0 ? ParseErrors.Report(parse) : parse.Invoke();
    }

    private static RootCommand Create()
    {
        // Each command lives in Commands/ and exposes Create(); adding one is one line here.
        Command[] commands =
        [
            DevicesCommand.Create(),
            KernelsCommand.Create(),
            BenchCommand.Create(),
            GenerateCommand.Create(),
            ChatCommand.Create(),
            LogitsCommand.Create(),
            EvalCommand.Create(),
            ToolsCommand.Create(),
        ];
        var root = new RootCommand("mistral-gpu: Mistral-architecture models on CUDA, OpenCL or the CPU, with kernels written in C#.");
        foreach (var command in commands) root.Subcommands.Add(command);
        return root;
    }
}
