using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Cli.Commands;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>keys create|list|revoke|update: the secret printed once, never listed; the command line's exit codes and messages.</summary>
public sealed class CliKeyTests
{
    private const string Secret = "ctk_[A-Za-z0-9_-]{43}";

    [Fact]
    public async Task KeysCreate_PrintsTheSecretOnce_AndSaysItWillNotBeShownAgain()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("keys", "create", "alice", "--name", "laptop", "--max-per-call", "100");

        Assert.Equal(0, exit);
        Assert.Matches($"(?m)^secret\\s+{Secret}$", output);
        Assert.Matches(@"(?m)^key_id\s+key_[0-9a-f]{24}$", output);
        Assert.Matches(@"(?m)^role\s+agent$", output);
        Assert.Matches(@"(?m)^max_per_call\s+100$", output);
        Assert.EndsWith(KeyCommands.ShownOnce + Environment.NewLine, output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public async Task KeysCreate_WithJson_IsOneDocumentWithTheSecret_AndTheWarningOnStderr()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("keys", "create", "alice", "--role", "Operator", "--expires-in-days", "30", "--max-per-day", "5000", "--confirm-above", "0", "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Matches($"^{Secret}$", root.GetProperty("secret").GetString());
        Assert.Equal("operator", root.GetProperty("role").GetString());
        Assert.Equal("alice", root.GetProperty("account").GetString());
        Assert.Equal(5000, root.GetProperty("max_per_day").GetInt64());
        Assert.Equal(0, root.GetProperty("confirm_above").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("max_per_call").ValueKind);
        Assert.Equal(
            DateTimeOffset.Parse(root.GetProperty("created_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture).AddDays(30),
            DateTimeOffset.Parse(root.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(KeyCommands.ShownOnce + Environment.NewLine, error);
    }

    [Fact]
    public async Task KeysCreate_TheSecretPrinted_Authenticates()
    {
        using var cli = new CliRunner();
        var created = await CreateAsync(cli, "alice");

        using var ledger = cli.OpenLedger();
        var auth = await ledger.AuthenticateAsync(created.Secret);

        Assert.True(auth.Succeeded);
        Assert.Equal(created.KeyId, auth.Key.Id);
        Assert.Equal(KeyRole.Agent, auth.Key.Role);
    }

    [Fact]
    public async Task KeysCreate_ForAnAccountThatDoesNotExist_CreatesIt_AndItsHelpSaysSo()
    {
        using var cli = new CliRunner();

        await CreateAsync(cli, "newcomer");
        var help = await cli.RunAsync("keys", "create", "--help");

        var balance = await cli.RunAsync("balance", "newcomer");
        Assert.Equal(0, balance.Exit);
        Assert.Contains("Creates the user", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysList_NeverShowsASecretOrItsHash()
    {
        using var cli = new CliRunner();
        var a = await CreateAsync(cli, "alice");
        var b = await CreateAsync(cli, "bob", "--role", "operator");
        await cli.RunAsync("keys", "revoke", b.KeyId);

        var outputs = new[]
        {
            await cli.RunAsync("keys", "list"),
            await cli.RunAsync("keys", "list", "--json"),
            await cli.RunAsync("keys", "list", "alice"),
            await cli.RunAsync("keys", "list", "bob", "--json"),
        };

        foreach (var (exit, output, error) in outputs)
        {
            Assert.Equal(0, exit);
            foreach (var secret in new[] { a.Secret, b.Secret })
            {
                Assert.DoesNotContain(secret, output + error, StringComparison.Ordinal);
                Assert.DoesNotContain(secret[4..], output + error, StringComparison.Ordinal);
                var hash = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
                Assert.DoesNotContain(Convert.ToHexString(hash), output + error, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(Convert.ToBase64String(hash), output + error, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("ctk_", output, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task KeysList_IsATableOfIdAccountRoleNameTimesAndBudget()
    {
        using var cli = new CliRunner();
        var a = await CreateAsync(cli, "alice", "--name", "ci", "--max-per-call", "10", "--max-per-day", "500");
        var b = await CreateAsync(cli, "bob", "--role", "operator");

        var (exit, output, _) = await cli.RunAsync("keys", "list");
        var alice = await cli.RunAsync("keys", "list", "alice", "--json");

        Assert.Equal(0, exit);
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^key_id\s+account\s+role\s+name\s+created_at\s+expires_at\s+last_used_at\s+revoked_at\s+budget$", lines[0]);
        Assert.Matches($@"^{a.KeyId}\s+alice\s+agent\s+ci\s+\S+Z\s+-\s+-\s+-\s+call 10, day 500$", lines[1]);
        Assert.Matches($@"^{b.KeyId}\s+bob\s+operator\s+-\s+\S+Z\s+-\s+-\s+-\s+-$", lines[2]);
        Assert.Equal(3, lines.Length);
        using var doc = JsonDocument.Parse(alice.Out);
        var key = Assert.Single(doc.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(a.KeyId, key.GetProperty("key_id").GetString());
        Assert.Equal(10, key.GetProperty("max_per_call").GetInt64());
    }

    [Fact]
    public async Task KeysList_OfAnAccountThatDoesNotExist_ExitsOne_AndCreatesNothing()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("keys", "list", "ghost", "--json");

        Assert.Equal(1, exit);
        Assert.Equal("account 'ghost' does not exist" + Environment.NewLine, error);
        Assert.Contains("\"exit_code\":1", output, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("balance", "ghost")).Exit);
    }

    [Fact]
    public async Task KeysRevoke_RefusesTheSecret_AndASecondRevokeChangesNothing()
    {
        using var cli = new CliRunner();
        var created = await CreateAsync(cli, "alice");

        var first = await cli.RunAsync("keys", "revoke", created.KeyId, "--json");
        var second = await cli.RunAsync("keys", "revoke", created.KeyId);

        Assert.Equal(0, first.Exit);
        Assert.Contains("\"changed\":true", first.Out, StringComparison.Ordinal);
        Assert.Equal(0, second.Exit);
        Assert.Matches(@"(?m)^changed\s+false$", second.Out);
        Assert.Contains("(already revoked: nothing changed)", second.Out, StringComparison.Ordinal);
        using var ledger = cli.OpenLedger();
        Assert.Equal(KeyAuthFailure.Revoked, (await ledger.AuthenticateAsync(created.Secret)).Failure);
        Assert.True((await ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task KeysRevoke_OfAnUnknownKey_ExitsOne_WithAJsonError()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("keys", "revoke", "key_nope", "--json");

        Assert.Equal(1, exit);
        Assert.Equal("Key key_nope not found" + Environment.NewLine, error);
        Assert.Equal("{\"error\":\"Key key_nope not found\",\"exit_code\":1}" + Environment.NewLine, output);
    }

    [Fact]
    public async Task KeysUpdate_SetsAndRemovesFields_LeavingTheOthers()
    {
        using var cli = new CliRunner();
        var created = await CreateAsync(cli, "alice", "--name", "ci", "--max-per-call", "10", "--max-per-day", "500", "--expires-in-days", "3");

        var (exit, output, _) = await cli.RunAsync("keys", "update", created.KeyId, "--max-per-call", "none", "--confirm-above", "25", "--name", "", "--expires-in-days", "NONE", "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("max_per_call").ValueKind);
        Assert.Equal(500, root.GetProperty("max_per_day").GetInt64());
        Assert.Equal(25, root.GetProperty("confirm_above").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("name").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("expires_at").ValueKind);
        Assert.True(root.GetProperty("changed").GetBoolean());
    }

    [Fact]
    public async Task KeysUpdate_OfARevokedKey_ExitsOne()
    {
        using var cli = new CliRunner();
        var created = await CreateAsync(cli, "alice");
        await cli.RunAsync("keys", "revoke", created.KeyId);

        var (exit, output, error) = await cli.RunAsync("keys", "update", created.KeyId, "--name", "x");

        Assert.Equal(1, exit);
        Assert.Equal($"Key {created.KeyId} is revoked; a revoked key cannot be changed" + Environment.NewLine, error);
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData(new[] { "keys", "create", "alice", "--role", "boss" }, "--role must be agent or operator (got 'boss')")]
    [InlineData(new[] { "keys", "create", "alice", "--expires-in-days", "0" }, "expires_in_days must be a whole number from 1 to 3650 (got 0)")]
    [InlineData(new[] { "keys", "create", "alice", "--expires-in-days", "soon" }, "--expires-in-days must be a whole number of days (got 'soon')")]
    [InlineData(new[] { "keys", "create", "alice", "--max-per-call", "-1" }, "max_per_call must be a whole number from 0 to 1000000000000 (got -1)")]
    [InlineData(new[] { "keys", "create", "alice", "--confirm-above", "none" }, "--confirm-above must be a whole number of tokens (got 'none')")]
    [InlineData(new[] { "keys", "create", "alice", "--name", "" }, "name must be 1-100 characters")]
    [InlineData(new[] { "keys", "create", "system:grants" }, "account must not start with a reserved prefix")]
    [InlineData(new[] { "keys", "create" }, "account")]
    [InlineData(new[] { "keys", "revoke", "key 1" }, "key_id must be an id returned by this server")]
    [InlineData(new[] { "keys", "update", "key_1" }, "keys update needs at least one of --name, --expires-in-days, --max-per-call, --max-per-day, --confirm-above")]
    [InlineData(new[] { "keys", "update", "key_1", "--max-per-day", "lots" }, "--max-per-day must be a whole number of tokens or none (got 'lots')")]
    [InlineData(new[] { "keys", "update", "key_1", "--expires-in-days", "3651" }, "expires_in_days must be a whole number from 1 to 3650 (got 3651)")]
    public async Task BadKeyArguments_ExitTwo_NamingTheArgument_AndWriteNothing(string[] args, string expected)
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
        using var ledger = cli.OpenLedger();
        Assert.Empty(await ledger.ListKeysAsync());
    }

    [Theory]
    [InlineData("agent", "agent")]
    [InlineData("AGENT", "agent")]
    [InlineData("Operator", "operator")]
    public async Task Roles_AreCaseInsensitive(string given, string expected)
    {
        using var cli = new CliRunner();

        var (exit, output, _) = await cli.RunAsync("keys", "create", "alice", "--role", given, "--json");

        Assert.Equal(0, exit);
        Assert.Contains($"\"role\":\"{expected}\"", output, StringComparison.Ordinal);
    }

    private static async Task<(string Secret, string KeyId)> CreateAsync(CliRunner cli, string account, params string[] options)
    {
        var (exit, output, error) = await cli.RunAsync(["keys", "create", account, .. options, "--json"]);
        Assert.True(exit == 0, error);
        using var doc = JsonDocument.Parse(output);
        return (doc.RootElement.GetProperty("secret").GetString()!, doc.RootElement.GetProperty("key_id").GetString()!);
    }
}
