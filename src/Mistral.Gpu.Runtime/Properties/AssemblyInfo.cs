using System.Runtime.CompilerServices;

// The runtime's tests reach internals that need no device (the PTX disk cache).
[assembly: InternalsVisibleTo("Mistral.Gpu.Runtime.Tests")]
