using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

/// <summary>Writes altered copies of real fp32 checkpoints (tensors dropped, renamed or split into shards) for loader tests.</summary>
public static class CheckpointCopy
{
    public static List<SafetensorsTensorData> ReadAll(string path, Func<string, bool>? include = null)
    {
        using var file = SafetensorsFile.Open(path);
        var result = new List<SafetensorsTensorData>();
        foreach (TensorInfo info in file.Tensors.Values.OrderBy(t => t.DataBegin))
        {
            if (include is not null && !include(info.Name))
                continue;
            result.Add(info.DType == TensorDType.I32
                ? SafetensorsTensorData.Int32(info.Name, file.ReadInt32(info.Name), [.. info.Shape])
                : SafetensorsTensorData.Float32(info.Name, file.ReadFloat32(info.Name), [.. info.Shape]));
        }
        return result;
    }
}
