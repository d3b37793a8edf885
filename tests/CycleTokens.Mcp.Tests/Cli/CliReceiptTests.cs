using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>
/// <c>cycletokens receipts verify|rotate</c> in-process: 0 valid, 1 not to be trusted (altered, unknown key, or not
/// what the ledger holds), 2 could not check; rotation keeps old receipts verifiable.
/// </summary>
public sealed class CliReceiptTests
{
    [Fact]
    public async Task AGrantsReceipt_VerifiesAgainstTheKeyFile_AndMatchesTheLedger()
    {
        using var cli = new CliRunner();
        var (file, receipt) = await GrantAsync(cli);
        var before = FolderState.Of(cli.Folder);

        var (exit, output, error) = await cli.RunAsync("receipts", "verify", file, "--json");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error);
        var report = JsonNode.Parse(output)!;
        Assert.True(report["valid"]!.GetValue<bool>());
        Assert.Equal("valid", report["signature"]!.GetValue<string>());
        Assert.Equal(receipt.TransactionId, report["claims"]!["transaction_id"]!.GetValue<string>());
        Assert.Equal("grant", report["claims"]!["kind"]!.GetValue<string>());
        Assert.True(report["ledger"]!["matches"]!.GetValue<bool>());
        Assert.Equal(before, FolderState.Of(cli.Folder));
    }

    [Fact]
    public async Task AReceiptOnStandardInput_WithoutALedger_ChecksTheSignatureOnly_AndPrintsAReadableReport()
    {
        using var cli = new CliRunner();
        var (file, receipt) = await GrantAsync(cli);
        cli.Input = await File.ReadAllTextAsync(file) + "\n";

        var (exit, output, _) = await cli.RunRawAsync("receipts", "verify", "-", "--receipt-keys", cli.ReceiptKeys);

        Assert.Equal(0, exit);
        Assert.Matches($@"(?m)^transaction_id\s+{receipt.TransactionId}$", output);
        Assert.Matches(@"(?m)^amount\s+500$", output);
        Assert.Contains("signature: valid", output, StringComparison.Ordinal);
        Assert.DoesNotContain("ledger:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amount")]
    [InlineData("balance_after")]
    [InlineData("account")]
    public async Task AReceiptWithAnAlteredField_IsNotValid_ExitOne(string field)
    {
        using var cli = new CliRunner();
        var (file, _) = await GrantAsync(cli);
        var parts = (await File.ReadAllTextAsync(file)).Split('.');
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        payload[field] = field == "account" ? "mallory" : payload[field]!.GetValue<long>() + 1;
        await File.WriteAllTextAsync(file, $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}");

        var (exit, output, error) = await cli.RunAsync("receipts", "verify", file, "--json");

        Assert.Equal(1, exit);
        Assert.False(JsonNode.Parse(output)!["valid"]!.GetValue<bool>());
        Assert.Equal("bad_signature", JsonNode.Parse(output)!["signature"]!.GetValue<string>());
        Assert.Contains("The receipt is not valid: its signature does not match its contents", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValidlySignedReceipt_WhoseFiguresTheLedgerDoesNotHold_FailsTheLedgerCheck_ExitOne()
    {
        using var cli = new CliRunner();
        var (file, receipt) = await GrantAsync(cli);
        using (var keys = await ReceiptKeyRing.OpenAsync(cli.ReceiptKeys))
        {
            // Signed with the ledger's own key, so only the ledger can tell the figures are not the journal's.
            await File.WriteAllTextAsync(file, new ReceiptSigner(keys).Sign(receipt with { Amount = 5_000 }));
        }

        var withLedger = await cli.RunAsync("receipts", "verify", file, "--json");
        var signatureOnly = await cli.RunRawAsync("receipts", "verify", file, "--receipt-keys", cli.ReceiptKeys);

        Assert.Equal(1, withLedger.Exit);
        var ledger = JsonNode.Parse(withLedger.Out)!["ledger"]!;
        Assert.True(ledger["found"]!.GetValue<bool>());
        Assert.Equal(["amount: the receipt says 5000, the ledger 500"], ledger["problems"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Contains("does not match the ledger", withLedger.Err, StringComparison.Ordinal);
        Assert.Equal(0, signatureOnly.Exit);
    }

    [Fact]
    public async Task AReceiptSignedByAnotherKey_IsUnknownKey_AndAJwkSetFileCanBeGivenInstead()
    {
        using var cli = new CliRunner();
        var (file, _) = await GrantAsync(cli);
        var foreign = Path.Combine(cli.Folder, "foreign-jwks.json");
        var published = Path.Combine(cli.Folder, "jwks.json");
        using (var other = await ReceiptKeyRing.OpenAsync(Path.Combine(cli.Folder, "other-keys.json")))
        using (var keys = await ReceiptKeyRing.OpenAsync(cli.ReceiptKeys))
        {
            await File.WriteAllTextAsync(foreign, other.PublicKeys());
            await File.WriteAllTextAsync(published, keys.PublicKeys());
        }

        var unknown = await cli.RunAsync("receipts", "verify", file, "--keys", foreign, "--json");
        var known = await cli.RunAsync("receipts", "verify", file, "--keys", published);

        Assert.Equal(1, unknown.Exit);
        Assert.Equal("unknown_key", JsonNode.Parse(unknown.Out)!["signature"]!.GetValue<string>());
        Assert.Contains("not among the keys it was checked against", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(0, known.Exit);
    }

    [Fact]
    public async Task WithNoKeysToCheckAgainst_OrNoReceiptFile_ItCannotCheck_ExitTwo_AndCreatesNothing()
    {
        using var cli = new CliRunner();
        var receipt = Path.Combine(cli.Folder, "receipt.jws");
        await File.WriteAllTextAsync(receipt, "a.b.c");
        var before = FolderState.Of(cli.Folder);

        var noKeys = await cli.RunAsync("receipts", "verify", receipt, "--json");
        var noFile = await cli.RunAsync("receipts", "verify", Path.Combine(cli.Folder, "missing.jws"), "--keys", receipt);

        Assert.Equal(2, noKeys.Exit);
        Assert.Contains(cli.ReceiptKeys, noKeys.Err, StringComparison.Ordinal);
        Assert.Contains("does not exist", noKeys.Err, StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse(noKeys.Out)!["exit_code"]!.GetValue<int>());
        Assert.Equal(2, noFile.Exit);
        Assert.Contains("missing.jws cannot be read", noFile.Err, StringComparison.Ordinal);
        Assert.Equal(before, FolderState.Of(cli.Folder));
    }

    [Fact]
    public async Task Rotate_MakesANewKeyCurrent_AndReceiptsOfTheOldKeyStillVerify()
    {
        using var cli = new CliRunner();
        var (file, old) = await GrantAsync(cli);

        var (exit, output, _) = await cli.RunAsync("receipts", "rotate", "--json");
        var grant = JsonNode.Parse((await cli.RunAsync("grant", "alice", "7", "--json")).Out)!;
        var newFile = Path.Combine(cli.Folder, "new.jws");
        await File.WriteAllTextAsync(newFile, grant["receipt"]!.GetValue<string>());

        Assert.Equal(0, exit);
        var rotated = JsonNode.Parse(output)!;
        Assert.Equal(old.Kid, rotated["previous_kid"]!.GetValue<string>());
        Assert.NotEqual(old.Kid, rotated["kid"]!.GetValue<string>());
        Assert.Equal(2, rotated["keys"]!.GetValue<int>());
        Assert.Equal(0, (await cli.RunAsync("receipts", "verify", file)).Exit);
        Assert.Equal(0, (await cli.RunAsync("receipts", "verify", newFile)).Exit);
        Assert.Equal(rotated["kid"]!.GetValue<string>(), ReceiptVerifier.Verify(grant["receipt"]!.GetValue<string>(), await ReceiptKeyRing.LoadPublicKeysAsync(cli.ReceiptKeys)).Claims!.Kid);
    }

    [Fact]
    public async Task Rotate_WithoutAKeyFile_FailsAndCreatesNone()
    {
        using var cli = new CliRunner();
        var before = FolderState.Of(cli.Folder);

        var (exit, _, error) = await cli.RunAsync("receipts", "rotate");

        Assert.Equal(1, exit);
        Assert.Contains($"there is no receipt key file at {cli.ReceiptKeys}", error, StringComparison.Ordinal);
        Assert.Equal(before, FolderState.Of(cli.Folder));
    }

    [Fact]
    public async Task ReceiptKeysAndIssuer_ComeFromTheirFlagsOrEnvironment()
    {
        var keys = Path.Combine(Path.GetTempPath(), "cycletokens-cli-tests", Guid.NewGuid().ToString("N"), "keys.json");
        using var cli = new CliRunner { Environment = { ["CYCLETOKENS_RECEIPT_KEYS"] = keys } };

        var grant = JsonNode.Parse((await cli.RunAsync("grant", "alice", "5", "--receipt-issuer", "https://billing.example.com", "--json")).Out)!;
        var empty = await cli.RunAsync("grant", "alice", "5", "--receipt-keys", " ");

        try
        {
            var claims = ReceiptVerifier.Verify(grant["receipt"]!.GetValue<string>(), await ReceiptKeyRing.LoadPublicKeysAsync(keys)).Claims!;
            Assert.Equal("https://billing.example.com", claims.Iss);
            Assert.False(File.Exists(cli.ReceiptKeys));
            Assert.Equal(2, empty.Exit);
            Assert.Contains("--receipt-keys must not be empty", empty.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(keys)!, recursive: true);
        }
    }

    /// <summary>Grants 500 tokens through the CLI and saves the receipt it returned to a file.</summary>
    private static async Task<(string File, ReceiptClaims Claims)> GrantAsync(CliRunner cli)
    {
        var (exit, output, error) = await cli.RunAsync("grant", "alice", "500", "--json");
        Assert.True(exit == 0, error);
        var receipt = JsonDocument.Parse(output).RootElement.GetProperty("receipt").GetString()!;
        var file = Path.Combine(cli.Folder, "receipt.jws");
        await File.WriteAllTextAsync(file, receipt);
        return (file, ReceiptVerifier.Verify(receipt, await ReceiptKeyRing.LoadPublicKeysAsync(cli.ReceiptKeys)).Claims!);
    }
}
