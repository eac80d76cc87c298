using System.ComponentModel;

namespace Mistral.Gpu.Language;

/// <summary>The combining operation of a warp reduction (used by the CPU lowering).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum WarpReduction
{
    /// <summary>Sum of all lanes.</summary>
    Sum,
    /// <summary>Maximum over all lanes.</summary>
    Max,
    /// <summary>Minimum over all lanes.</summary>
    Min,
}
