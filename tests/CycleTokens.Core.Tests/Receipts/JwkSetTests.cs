using System.Text.Json;
using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>The published public keys: RFC 7517 shape, parsed back unchanged, foreign keys skipped, bad points refused.</summary>
public sealed class JwkSetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task PublicKeys_RoundTrip_ThroughParse()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        await ring.RotateAsync();
        var json = ring.PublicKeys();

        var parsed = JwkSet.Parse(json);

        Assert.Equal(json, parsed.ToJson());
        Assert.Equal(ring.PublicKeySet().Keys, parsed.Keys);
    }

    [Fact]
    public async Task PublicKeys_HaveTheJwkMembers_AndNoPrivatePart()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));

        using var document = JsonDocument.Parse(ring.PublicKeys());
        var key = document.RootElement.GetProperty("keys").EnumerateArray().Single();

        Assert.Equal(["kty", "crv", "x", "y", "kid", "alg", "use"], key.EnumerateObject().Select(m => m.Name));
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal(ring.CurrentKid, key.GetProperty("kid").GetString());
    }

    [Fact]
    public async Task Parse_SkipsKeysThatCannotVerifyReceipts()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var ours = JwkSet.Parse(ring.PublicKeys()).Keys.Single();
        var json = $$"""
            {"keys":[
              {"kty":"RSA","n":"AQAB","e":"AQAB","kid":"rsa"},
              {"kty":"EC","crv":"P-384","x":"AA","y":"AA","kid":"p384"},
              {"kty":"EC","crv":"P-256","x":"{{ours.X}}","y":"{{ours.Y}}","kid":"enc","use":"enc"},
              {"kty":"EC","crv":"P-256","x":"{{ours.X}}","y":"{{ours.Y}}","kid":"{{ours.Kid}}"}
            ]}
            """;

        Assert.Equal([ours], JwkSet.Parse(json).Keys);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("not json")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}""")]
    public void Parse_NotAJwkSet_OrAPointOffTheCurve_IsAFormatException(string json) =>
        Assert.Throws<FormatException>(() => JwkSet.Parse(json));
}
