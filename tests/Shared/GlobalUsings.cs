// Every test project that compiles tests/Shared sees its attributes without a using directive.
global using Mistral.Gpu.Tests.Shared;
