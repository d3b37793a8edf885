using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>Signing a receipt and verifying it; every alteration fails with the reason that names it.</summary>
public sealed class ReceiptSigningTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sign_ThenVerify_IsValid_WithEqualClaims_AndTheRingsKid()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));

        var jws = new ReceiptSigner(ring).Sign(ReceiptTokens.Sample());
        var result = ReceiptVerifier.Verify(jws, JwkSet.Parse(ring.PublicKeys()));

        Assert.Equal(ReceiptCheck.Valid, result.Outcome);
        Assert.True(result.IsValid);
        Assert.Equal(ReceiptTokens.Sample() with { Kid = ring.CurrentKid }, result.Claims);
    }

    [Fact]
    public async Task Sign_WritesTheHeaderAndSnakeCasePayloadOfTheSpec()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));

        var parts = ReceiptTokens.Parts(new ReceiptSigner(ring).Sign(ReceiptTokens.Sample() with { Operation = null, Quantity = null }));

        Assert.Equal(
            $$"""{"alg":"ES256","kid":"{{ring.CurrentKid}}","typ":"cycletokens-receipt+jwt"}""",
            Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])));
        var payload = ReceiptTokens.Json(parts[1]);
        Assert.Equal(
            ["iss", "kid", "transaction_id", "account", "kind", "operation", "quantity", "amount", "creator_share",
             "platform_share", "balance_after", "timestamp", "chain_hash"],
            payload.Select(member => member.Key));
        Assert.Null(payload["operation"]);
        Assert.Equal(1_500L, payload["amount"]!.GetValue<long>());
        Assert.Equal(64, Base64Url.DecodeFromChars(parts[2]).Length);
    }

    [Theory]
    [InlineData("amount")]
    [InlineData("balance_after")]
    [InlineData("account")]
    [InlineData("chain_hash")]
    public async Task Verify_APayloadWithAChangedField_IsBadSignature(string field)
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var jws = new ReceiptSigner(ring).Sign(ReceiptTokens.Sample());

        var altered = ReceiptTokens.WithPayload(jws, payload =>
        {
            var value = payload[field]!;
            payload[field] = value.GetValueKind() == JsonValueKind.Number ? value.GetValue<long>() + 1 : value.GetValue<string>() + "x";
        });

        Assert.Equal(ReceiptCheck.BadSignature, ReceiptVerifier.Verify(altered, JwkSet.Parse(ring.PublicKeys())).Outcome);
    }

    [Fact]
    public async Task Verify_AHeaderNamingAnUnknownKid_IsUnknownKey()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var jws = new ReceiptSigner(ring).Sign(ReceiptTokens.Sample());

        var altered = ReceiptTokens.WithHeader(jws, header => header["kid"] = "someone-elses-key");

        Assert.Equal(ReceiptCheck.UnknownKey, ReceiptVerifier.Verify(altered, JwkSet.Parse(ring.PublicKeys())).Outcome);
    }

    [Fact]
    public async Task Verify_AHeaderNamingAnotherListedKid_IsBadSignature()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var jws = new ReceiptSigner(ring).Sign(ReceiptTokens.Sample());
        var oldKid = ring.CurrentKid;
        await ring.RotateAsync();

        var altered = ReceiptTokens.WithHeader(jws, header => header["kid"] = ring.CurrentKid);

        Assert.NotEqual(oldKid, ring.CurrentKid);
        Assert.Equal(ReceiptCheck.BadSignature, ReceiptVerifier.Verify(altered, JwkSet.Parse(ring.PublicKeys())).Outcome);
    }

    [Fact]
    public async Task Verify_TruncatedTokens_AreMalformed_OrBadSignature_NeverValid()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var jws = new ReceiptSigner(ring).Sign(ReceiptTokens.Sample());
        var keys = JwkSet.Parse(ring.PublicKeys());
        var parts = ReceiptTokens.Parts(jws);
        var shortSignature = Base64Url.EncodeToString(Base64Url.DecodeFromChars(parts[2]).AsSpan(0, 63));

        Assert.Equal(ReceiptCheck.Malformed, ReceiptVerifier.Verify(jws[..jws.LastIndexOf('.')], keys).Outcome);
        Assert.Equal(ReceiptCheck.Malformed, ReceiptVerifier.Verify(jws[..(jws.Length / 2)], keys).Outcome);
        Assert.Equal(ReceiptCheck.Malformed, ReceiptVerifier.Verify("", keys).Outcome);
        Assert.Equal(ReceiptCheck.BadSignature, ReceiptVerifier.Verify($"{parts[0]}.{parts[1]}.{shortSignature}", keys).Outcome);
        Assert.Equal(ReceiptCheck.BadSignature, ReceiptVerifier.Verify($"{parts[0]}.{parts[1]}.", keys).Outcome);
    }

    [Fact]
    public async Task Verify_ATokenSignedByAnotherKeyRing_IsUnknownKey_AndUnderItsKidBadSignature()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        using var other = await ReceiptKeyRing.OpenAsync(_folder.File("other.json"));
        var forged = new ReceiptSigner(other).Sign(ReceiptTokens.Sample());
        var keys = JwkSet.Parse(ring.PublicKeys());

        var relabelled = ReceiptTokens.WithHeader(forged, header => header["kid"] = ring.CurrentKid);

        Assert.Equal(ReceiptCheck.UnknownKey, ReceiptVerifier.Verify(forged, keys).Outcome);
        Assert.Equal(ReceiptCheck.BadSignature, ReceiptVerifier.Verify(relabelled, keys).Outcome);
    }

    [Fact]
    public async Task Verify_AlgNone_WithoutSignature_IsWrongAlgorithm()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var parts = ReceiptTokens.Parts(new ReceiptSigner(ring).Sign(ReceiptTokens.Sample()));
        var header = ReceiptTokens.Json(parts[0]);
        header["alg"] = "none";

        var result = ReceiptVerifier.Verify($"{ReceiptTokens.Encode(header)}.{parts[1]}.", JwkSet.Parse(ring.PublicKeys()));

        Assert.Equal(ReceiptCheck.WrongAlgorithm, result.Outcome);
        Assert.Null(result.Claims);
    }

    [Fact]
    public async Task Verify_HS256_KeyedWithThePublicKey_IsWrongAlgorithm()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var parts = ReceiptTokens.Parts(new ReceiptSigner(ring).Sign(ReceiptTokens.Sample()));
        var header = ReceiptTokens.Json(parts[0]);
        header["alg"] = "HS256";
        var input = $"{ReceiptTokens.Encode(header)}.{parts[1]}";
        // The classic confusion attack: an HMAC keyed with the published public key.
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(ring.PublicKeys()), Encoding.ASCII.GetBytes(input));

        var result = ReceiptVerifier.Verify($"{input}.{Base64Url.EncodeToString(mac)}", JwkSet.Parse(ring.PublicKeys()));

        Assert.Equal(ReceiptCheck.WrongAlgorithm, result.Outcome);
    }

    [Fact]
    public async Task Verify_AHeaderWithCrit_OrAForeignTyp_IsMalformed()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var jws = new ReceiptSigner(ring).Sign(ReceiptTokens.Sample());
        var keys = JwkSet.Parse(ring.PublicKeys());

        Assert.Equal(ReceiptCheck.Malformed, ReceiptVerifier.Verify(ReceiptTokens.WithHeader(jws, h => h["crit"] = new System.Text.Json.Nodes.JsonArray("exp")), keys).Outcome);
        Assert.Equal(ReceiptCheck.Malformed, ReceiptVerifier.Verify(ReceiptTokens.WithHeader(jws, h => h["typ"] = "JWT"), keys).Outcome);
    }

    [Fact]
    public async Task Signature_IsES256_OverTheSigningInput_CheckedWithAKeyBuiltOnlyFromTheJwk()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var parts = ReceiptTokens.Parts(new ReceiptSigner(ring).Sign(ReceiptTokens.Sample()));
        // Read x and y straight from the published JSON, not through JwkSet or the ring.
        using var jwks = JsonDocument.Parse(ring.PublicKeys());
        var jwk = jwks.RootElement.GetProperty("keys")[0];
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportParameters(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = Base64Url.DecodeFromChars(jwk.GetProperty("x").GetString()),
                Y = Base64Url.DecodeFromChars(jwk.GetProperty("y").GetString()),
            },
        });

        var signature = Base64Url.DecodeFromChars(parts[2]);
        var input = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");

        Assert.Equal(64, signature.Length);
        Assert.True(ecdsa.VerifyData(input, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.False(ecdsa.VerifyData(input, signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }
}
