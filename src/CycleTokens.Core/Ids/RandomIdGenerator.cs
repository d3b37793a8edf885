using System.Security.Cryptography;

namespace CycleTokens.Core.Ids;

/// <summary>Ids with 96 random bits, so processes sharing one file never collide without coordinating.</summary>
public sealed class RandomIdGenerator : IIdGenerator
{
    /// <summary>The shared instance.</summary>
    public static RandomIdGenerator Instance { get; } = new();

    /// <inheritdoc />
    public string NewId(string prefix)
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return prefix + "_" + Convert.ToHexStringLower(bytes);
    }
}
