using System.Runtime.CompilerServices;

// The cancellation tests count the tokens the generator samples after a cancel, which no public API shows.
[assembly: InternalsVisibleTo("Mistral.Gpu.Extensions.AI.Tests")]
