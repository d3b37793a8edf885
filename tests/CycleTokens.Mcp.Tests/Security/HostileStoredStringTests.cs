using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Security;

/// <summary>
/// Hostile strings the contract accepts — metadata keys and values, job_id, idempotency_key, refund reason, and the
/// restricted creator_id, fab_id, operation and grant source where they are valid (e.g. <c>-cmd</c>, <c>@SUM</c>) —
/// are stored and come back exactly as sent (code unit for code unit, so byte for byte in UTF-8) in results,
/// history, get_escrow and both exports; the CSV export neutralises every cell that a spreadsheet would run.
/// </summary>
/// <remarks>
/// What caller text can reach the CSV (<c>date,transaction_id,type,kind,operation,amount,balance_after,counterparty</c>):
/// the operation column (names of a-z 0-9 _ . - so only a leading '-' can be dangerous, e.g. <c>-2</c>, <c>-cmd</c>;
/// for grants the operator's source, same rule) and the counterparty column (<c>creator:&lt;id&gt;</c>, <c>fab:&lt;id&gt;</c>,
/// whose fixed prefix means a caller's id never starts the cell). No caller text can put a comma, quote or line break
/// in the CSV, so the writer's RFC 4180 quoting is checked directly (<see cref="CsvCells_RoundTripThroughAStrictRfc4180Reader_WithFormulasNeutralised"/>).
/// </remarks>
public sealed class HostileStoredStringTests
{
    private static readonly string[] DashOperations = ["-2", "-cmd", "-", "--", "-1.5", "-2-3", "-e", "-0"];

    private static readonly string[] OddAccountIds = ["-2", "-cmd", "@SUM", "@", "-", "..", "a:b:c", "system:grants", "platform", "alice", "bob", "escrow:esc_000001", "x@y.z"];

    [Fact]
    public async Task AcceptedHostileStrings_InAgentCalls_AreStoredAndReturnedExactly_AndTheCsvIsNeutralised()
    {
        await using var server = await McpTestServer.StartAsync(options: HostileInputTests.FastOptions);
        await server.Ledger.GrantAsync("alice", 1_000_000);
        var metadataOf = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var escrows = new Dictionary<string, (string Job, string Fab, JsonObject Metadata)>(StringComparer.Ordinal);
        var corpus = HostileStrings.AllButHuge;

        for (var i = 0; i < corpus.Count; i++)
        {
            var s = corpus[i];
            var metadata = new JsonObject { [s] = s, ["nested"] = new JsonObject { [s] = new JsonArray(s, i) }, ["n"] = i };
            var spend = await server.CallOkAsync("spend_tokens", Args(("amount", 1), ("operation", "custom.render"), ("metadata", metadata.DeepClone())));
            metadataOf[spend.Str("transaction_id")!] = metadata;
            if (FieldRules.IsText(s, 200))
            {
                var escrow = await server.CallOkAsync("create_escrow", Args(("amount", 1), ("job_id", s), ("fab_id", "acme"), ("metadata", metadata.DeepClone())));
                Assert.Equal(s, escrow.Str("job_id"));
                escrows[escrow.Str("escrow_id")!] = (s, "acme", metadata);
            }
        }

        // Numbers in metadata come back as written, however large or odd.
        var numbers = (JsonObject)JsonNode.Parse("""{"big":123456789012345678901234567890,"huge":1e400,"tiny":4.9e-324,"neg0":-0.0,"frac":0.1000}""")!;
        var numbered = await server.CallOkAsync("spend_tokens", Args(("amount", 1), ("operation", "custom.render"), ("metadata", numbers.DeepClone())));
        metadataOf[numbered.Str("transaction_id")!] = numbers;

        var creators = corpus.Where(FieldRules.IsAccountId).Concat(OddAccountIds).Distinct(StringComparer.Ordinal).ToList();
        var counterparties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in creators)
        {
            var charge = await server.CallOkAsync("charge_for_operation", Args(("operation", "model.export.step"), ("creator_id", c)));
            Assert.Equal(c, charge.Str("creator_id"));
            counterparties[charge.Str("transaction_id")!] = "creator:" + c;
            var escrow = await server.CallOkAsync("create_escrow", Args(("amount", 2), ("job_id", "job"), ("fab_id", c)));
            var released = await server.CallOkAsync("release_escrow", Args(("escrow_id", escrow.Str("escrow_id")!)));
            Assert.Equal(c, released.Str("fab_id"));
            escrows[escrow.Str("escrow_id")!] = ("job", c, null!);
        }

        var operations = corpus.Where(FieldRules.IsOperationName).Concat(DashOperations).Distinct(StringComparer.Ordinal).ToList();
        var operationOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var op in operations)
        {
            var spend = await server.CallOkAsync("spend_tokens", Args(("amount", 1), ("operation", op)));
            Assert.Equal(op, spend.Str("operation"));
            operationOf[spend.Str("transaction_id")!] = op;
        }

        await AssertKeysAreExactAsync(server, corpus.Where(s => FieldRules.IsText(s, 255)).Append("ab").Append("e\u0301x").Append("éx").ToList());

        var history = await server.CallOkAsync("get_transaction_history", """{"limit":1000}""");
        Assert.True(history.IsNull("next_cursor"), "the history must fit one page for this test");
        var byId = history.GetProperty("transactions").EnumerateArray().ToDictionary(t => t.Str("id")!, StringComparer.Ordinal);
        foreach (var (id, metadata) in metadataOf)
        {
            JsonExact.AssertSame(metadata, byId[id].GetProperty("metadata"), $"history metadata of {id}");
        }

        foreach (var (id, op) in operationOf)
        {
            Assert.Equal(op, byId[id].Str("operation"));
        }

        foreach (var (id, counterparty) in counterparties)
        {
            Assert.Equal(counterparty, byId[id].Str("counterparty"));
        }

        Assert.Contains(byId.Values, t => t.Str("type") == "escrow_release" && t.Str("counterparty") == "fab:-cmd");
        foreach (var (id, (job, fab, metadata)) in escrows)
        {
            var escrow = await server.CallOkAsync("get_escrow", Args(("escrow_id", id)));
            Assert.Equal(job, escrow.Str("job_id"));
            Assert.Equal(fab, escrow.Str("fab_id"));
            JsonExact.AssertSame(metadata, escrow.GetProperty("metadata"), $"metadata of {id}");
        }

        await AssertExportsMatchHistoryAsync(server, byId, escrows);
    }

    [Fact]
    public async Task AcceptedHostileStrings_InOperatorCalls_AreStoredAndReturnedExactly_AndTheCsvIsNeutralised()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true, options: HostileInputTests.FastOptions);
        await server.CallOkAsync("grant_tokens", """{"account":"alice","amount":1000000}""");
        var corpus = HostileStrings.AllButHuge;
        var expected = new Dictionary<string, (string? Operation, JsonObject? Metadata)>(StringComparer.Ordinal);

        foreach (var source in corpus.Where(FieldRules.IsOperationName).Concat(DashOperations).Distinct(StringComparer.Ordinal))
        {
            var metadata = new JsonObject { [source] = source, ["k"] = "=HYPERLINK(\"http://x\",\"y\")" };
            var grant = await server.CallOkAsync("grant_tokens", Args(("account", "alice"), ("amount", 1), ("source", source), ("metadata", metadata.DeepClone())));
            Assert.Equal(source, grant.Str("source"));
            expected[grant.Str("transaction_id")!] = (source, metadata);
        }

        foreach (var reason in corpus.Where(s => FieldRules.IsText(s, 500)))
        {
            var charge = await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
            var refund = await server.CallOkAsync("refund_transaction", Args(("transaction_id", charge.Str("transaction_id")!), ("reason", reason)));
            expected[refund.Str("refund_transaction_id")!] = (null, new JsonObject { ["reason"] = reason });
        }

        foreach (var account in OddAccountIds.Where(FieldRules.IsUserAccount))
        {
            var grant = await server.CallOkAsync("grant_tokens", Args(("account", account), ("amount", 7)));
            Assert.Equal(account, grant.Str("account"));
            Assert.Equal(account, (await server.CallOkAsync("get_balance", Args(("account", account)))).Str("account"));
        }

        var accounts = await server.CallOkAsync("list_accounts", """{"kind":"user","limit":1000}""");
        var listed = accounts.GetProperty("accounts").EnumerateArray().Select(a => a.Str("account")!).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(OddAccountIds.Where(FieldRules.IsUserAccount).Append("alice").ToHashSet(StringComparer.Ordinal), listed);

        var history = await server.CallOkAsync("get_transaction_history", """{"limit":1000}""");
        Assert.True(history.IsNull("next_cursor"), "the history must fit one page for this test");
        var byId = history.GetProperty("transactions").EnumerateArray().ToDictionary(t => t.Str("id")!, StringComparer.Ordinal);
        foreach (var (id, (operation, metadata)) in expected)
        {
            if (operation is not null)
            {
                Assert.Equal(operation, byId[id].Str("operation"));
            }

            JsonExact.AssertSame(metadata, byId[id].GetProperty("metadata"), $"metadata of {id}");
        }

        await AssertExportsMatchHistoryAsync(server, byId, []);
    }

    [Fact]
    public void CsvCells_RoundTripThroughAStrictRfc4180Reader_WithFormulasNeutralised()
    {
        // CsvExport is internal to the engine; no caller text reaches it with a comma, quote or line break (see the
        // remarks above), so its quoting is exercised directly on everything the hostile corpus and a random source give.
        var cell = typeof(TokenLedger).Assembly.GetType("CycleTokens.Core.History.CsvExport", throwOnError: true)!
            .GetMethod("Cell", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!
            .CreateDelegate<Func<string, string>>();
        var random = new Random(TestRuns.Seed(4180));
        string[] fixedCases = ["a,b", "say \"hi\"", "\"", "two\nlines", "two\r\nlines", "\r\n", ",", "\"=1+1\"", "=1,2", "-1\n=2", "a\"b,c\rd", "'=x", " =1", "\n=1"];
        var values = HostileStrings.AllButHuge.Concat(fixedCases).Concat(Enumerable.Range(0, 2000).Select(_ => HostileStrings.Random(random, 30))).ToList();

        foreach (var value in values)
        {
            var text = cell(value);
            var records = Rfc4180.Parse(text + "," + text + "\r\n");
            var expected = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
            Assert.True(records.Count == 1 && records[0].Count == 2, $"{HostileStrings.Describe(value)} became {HostileStrings.Describe(text)}");
            Assert.Equal(expected, records[0][0]);
            Assert.Equal(expected, records[0][1]);
        }
    }

    private static async Task AssertKeysAreExactAsync(McpTestServer server, IReadOnlyList<string> keys)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var first = await server.CallOkAsync("spend_tokens", Args(("amount", 1), ("operation", "custom.keyed"), ("idempotency_key", key)));
            var retry = await server.CallOkAsync("spend_tokens", Args(("amount", 1), ("operation", "custom.keyed"), ("idempotency_key", key)));
            Assert.False(first.Bool("replayed"), $"key {HostileStrings.Describe(key)} was already used: keys must be compared exactly");
            Assert.True(retry.Bool("replayed"), $"key {HostileStrings.Describe(key)} was not found again");
            Assert.Equal(first.Str("transaction_id"), retry.Str("transaction_id"));
            Assert.True(ids.Add(first.Str("transaction_id")!));
        }
    }

    /// <summary>The JSON exports hold exactly the history's transactions and the escrows; the CSV (tool and resource) matches them, neutralised.</summary>
    private static async Task AssertExportsMatchHistoryAsync(
        McpTestServer server, Dictionary<string, JsonElement> history, Dictionary<string, (string Job, string Fab, JsonObject Metadata)> escrows)
    {
        var data = await server.CallOkAsync("export_account_data");
        var exported = data.GetProperty("transactions").EnumerateArray().ToList();
        Assert.Equal(history.Count, exported.Count);
        foreach (var t in exported)
        {
            JsonExact.AssertSame(JsonNode.Parse(history[t.Str("id")!].GetRawText()), t, $"exported transaction {t.Str("id")}");
        }

        foreach (var e in data.GetProperty("escrows").EnumerateArray().Where(e => escrows.ContainsKey(e.Str("escrow_id")!)))
        {
            var (job, fab, metadata) = escrows[e.Str("escrow_id")!];
            Assert.Equal(job, e.Str("job_id"));
            Assert.Equal(fab, e.Str("fab_id"));
            JsonExact.AssertSame(metadata, e.GetProperty("metadata"), $"exported escrow {e.Str("escrow_id")}");
        }

        var json = await server.CallOkAsync("export_transactions", """{"format":"json"}""");
        using (var content = JsonDocument.Parse(json.Str("content")!))
        {
            JsonExact.AssertSame(JsonNode.Parse(data.GetProperty("transactions").GetRawText()), content.RootElement, "export_transactions json");
        }

        var csv = (await server.CallOkAsync("export_transactions")).Str("content")!;
        var resource = await server.Client.ReadResourceAsync("tokens://transactions.csv");
        Assert.Equal(csv, Assert.IsType<ModelContextProtocol.Protocol.TextResourceContents>(Assert.Single(resource.Contents)).Text);
        var rows = Rfc4180.Parse(csv);
        Assert.Equal(["date", "transaction_id", "type", "kind", "operation", "amount", "balance_after", "counterparty"], rows[0]);
        Assert.Equal(exported.Count, rows.Count - 1);
        foreach (var row in rows.Skip(1))
        {
            var t = history[row[1]];
            Assert.Equal([t.Str("timestamp")!, t.Str("id")!, t.Str("type")!, t.Str("kind")!, Neutralised(t.Str("operation")), t.Long("amount").ToString(CultureInfo.InvariantCulture), t.Long("balance_after").ToString(CultureInfo.InvariantCulture), Neutralised(t.Str("counterparty"))], row);
            Assert.DoesNotContain(row, c => c.Length > 0 && c[0] is '=' or '+' or '-' or '@' or '\t' or '\r');
        }

        Assert.Contains(rows, r => r[4] == "'-cmd");
    }

    private static string Neutralised(string? value) =>
        value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value ?? string.Empty;

    private static string Args(params (string Name, JsonNode? Value)[] members)
    {
        var json = new JsonObject();
        foreach (var (name, value) in members)
        {
            json[name] = value;
        }

        return json.ToJsonString();
    }
}
