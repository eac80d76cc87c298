using Mistral.Gpu.Cli;
using Mistral.Gpu.Cli.Commands;

// Redirected stdout gets plain text, without ANSI escape codes.
ConsoleSetup.Configure();
return CliApp.Run(args);
