using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>
/// A correctly signed token whose payload is not a receipt is Malformed, not Valid: the signature proves who wrote
/// the bytes, the payload check proves they are a receipt.
/// </summary>
public sealed class ReceiptPayloadTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("""{"iss":"i","kid":"KID","transaction_id":"t","account":"a","kind":"charge","quantity":null,"amount":1,"creator_share":0,"platform_share":1,"balance_after":0,"timestamp":"2026-12-07T05:00:00Z","chain_hash":"00"}""")]
    [InlineData("""{"iss":"i","kid":"KID","transaction_id":"t","account":"a","kind":"charge","operation":null,"quantity":null,"amount":1.5,"creator_share":0,"platform_share":1,"balance_after":0,"timestamp":"2026-12-07T05:00:00Z","chain_hash":"00"}""")]
    [InlineData("""{"iss":"i","kid":"KID","transaction_id":"t","account":null,"kind":"charge","operation":null,"quantity":null,"amount":1,"creator_share":0,"platform_share":1,"balance_after":0,"timestamp":"2026-12-07T05:00:00Z","chain_hash":"00"}""")]
    [InlineData("""{"iss":"i","kid":"KID","transaction_id":"t","account":"a","kind":"charge","operation":null,"quantity":null,"amount":1,"creator_share":0,"platform_share":1,"balance_after":0,"timestamp":"2026-12-07T05:00:00Z","chain_hash":"00","extra":1}""")]
    [InlineData("""{"iss":"i","kid":"KID","transaction_id":"t","account":"a","kind":"charge","operation":null,"quantity":null,"amount":1,"amount":2,"creator_share":0,"platform_share":1,"balance_after":0,"timestamp":"2026-12-07T05:00:00Z","chain_hash":"00"}""")]
    [InlineData("""{"iss":"i","kid":"another-kid","transaction_id":"t","account":"a","kind":"charge","operation":null,"quantity":null,"amount":1,"creator_share":0,"platform_share":1,"balance_after":0,"timestamp":"2026-12-07T05:00:00Z","chain_hash":"00"}""")]
    public async Task Verify_ASignedPayloadThatIsNotAReceipt_IsMalformed(string payload)
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));

        var jws = SignRaw(ring, payload.Replace("\"KID\"", $"\"{ring.CurrentKid}\"", StringComparison.Ordinal));

        Assert.Equal(ReceiptCheck.Malformed, ReceiptVerifier.Verify(jws, JwkSet.Parse(ring.PublicKeys())).Outcome);
    }

    [Fact]
    public async Task Verify_TheSameBytesSignedRaw_IsValid_SoTheCasesAboveFailOnThePayloadAlone()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var payload = $$"""{"iss":"i","kid":"{{ring.CurrentKid}}","transaction_id":"t","account":"a","kind":"charge","operation":null,"quantity":null,"amount":1,"creator_share":0,"platform_share":1,"balance_after":0,"timestamp":"2026-12-07T05:00:00Z","chain_hash":"00"}""";

        var result = ReceiptVerifier.Verify(SignRaw(ring, payload), JwkSet.Parse(ring.PublicKeys()));

        Assert.Equal(ReceiptCheck.Valid, result.Outcome);
        Assert.Null(result.Claims!.Operation);
        Assert.Equal(1L, result.Claims.Amount);
    }

    /// <summary>Signs arbitrary payload bytes with the ring's key, as a signer with a bug would.</summary>
    private static string SignRaw(ReceiptKeyRing ring, string payload) => ring.WithCurrentKey((kid, key) =>
    {
        var header = $$"""{"alg":"ES256","kid":"{{kid}}","typ":"cycletokens-receipt+jwt"}""";
        var input = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header))}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    });
}
