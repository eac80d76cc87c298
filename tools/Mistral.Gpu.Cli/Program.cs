using System.CommandLine;
using Mistral.Gpu.Cli.Commands;

// Redirected stdout gets plain text, without ANSI escape codes.
ConsoleSetup.Configure();

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
return root.Parse(args).Invoke();
