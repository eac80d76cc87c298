using System.Buffers.Binary;
using System.Text;

namespace Mistral.Gpu.Model.Tests;

/// <summary>Builds raw safetensors bytes from a hand-written header, for malformed-file tests.</summary>
public static class SafetensorsBytes
{
    public static byte[] Build(string headerJson, int dataBytes, ulong? headerLengthOverride = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLengthOverride ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++)
            bytes[8 + header.Length + i] = (byte)i;
        return bytes;
    }

    public static (int Start, int Length) HeaderRange(byte[] file) =>
        (8, (int)BinaryPrimitives.ReadUInt64LittleEndian(file));
}
