global using Xunit;
global using Mistral.Gpu.Model.Tests;

// The CLI cases swap Console.Out and Console.Error, which are process-wide.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
