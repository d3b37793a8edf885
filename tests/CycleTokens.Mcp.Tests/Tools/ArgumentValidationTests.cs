using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class ArgumentValidationTests
{
    private const string AmountRule = "amount must be a whole number from 1 to 1000000000000";
    private const string OperationRule = "operation must be 1-100 characters of a-z, 0-9, '_', '.', '-'";
    private const string DateRule = "must be an ISO 8601 date-time such as 2026-03-01T00:00:00Z";
    private const string IdRule = "must be an id returned by this server (1-64 letters, digits or '_')";

    public static TheoryData<string, string, string> WrongTypes => new()
    {
        { "spend_tokens", """{"amount":"5","operation":"custom.render"}""", AmountRule + " (got \"5\")" },
        { "spend_tokens", """{"amount":true,"operation":"custom.render"}""", AmountRule + " (got true)" },
        { "spend_tokens", """{"amount":[5],"operation":"custom.render"}""", AmountRule + " (got an array)" },
        { "spend_tokens", """{"amount":5,"operation":5}""", "operation must be a string (got 5)" },
        { "charge_for_operation", """{"operation":"model.export.step","params":"units=mm"}""", "params must be a JSON object (got \"units=mm\")" },
        { "charge_for_operation", """{"operation":"model.export.step","params":[1,2]}""", "params must be a JSON object (got an array)" },
        { "charge_for_operation", """{"operation":"model.export.step","metadata":3}""", "metadata must be a JSON object (got 3)" },
        { "charge_for_operation", """{"operation":{"name":"model.export.step"}}""", "operation must be a string (got an object)" },
        { "create_escrow", """{"amount":100,"job_id":7,"fab_id":"acme"}""", "job_id must be a string (got 7)" },
        { "get_escrow", """{"escrow_id":false}""", "escrow_id must be a string (got false)" },
        { "get_usage", """{"since":20260301}""", "since " + DateRule + " (got 20260301)" },
    };

    public static TheoryData<string, string, string> Missing => new()
    {
        { "spend_tokens", """{"operation":"custom.render"}""", "amount is required" },
        { "spend_tokens", """{"amount":5}""", "operation is required" },
        { "spend_tokens", """{"amount":null,"operation":"custom.render"}""", "amount is required" },
        { "estimate_operation", "{}", "operation is required" },
        { "charge_for_operation", """{"quantity":2}""", "operation is required" },
        { "create_escrow", """{"amount":100,"job_id":"j1"}""", "fab_id is required" },
        { "get_escrow", "{}", "escrow_id is required" },
        { "release_escrow", """{"idempotency_key":"k"}""", "escrow_id is required" },
        { "purchase_tokens", """{"tokens":1000}""", "method is required" },
        { "get_purchase", "{}", "purchase_id is required" },
    };

    public static TheoryData<string, string, string> Unknown => new()
    {
        { "get_balance", """{"account":"bob"}""", "account is not an argument of get_balance" },
        { "spend_tokens", """{"amount":5,"operation":"custom.render","account":"bob"}""", "account is not an argument of spend_tokens" },
        { "charge_for_operation", """{"operation":"model.export.step","price":0}""", "price is not an argument of charge_for_operation" },
        { "charge_for_operation", """{"operation":"model.export.step","Quantity":2}""", "Quantity is not an argument of charge_for_operation" },
        { "get_tier", """{"tier":"ENTERPRISE"}""", "tier is not an argument of get_tier" },
        { "purchase_tokens", """{"tokens":1000,"method":"card","status":"completed"}""", "status is not an argument of purchase_tokens" },
    };

    public static TheoryData<string, string, string> Numbers => new()
    {
        { "spend_tokens", """{"amount":-5,"operation":"custom.render"}""", AmountRule + " (got -5)" },
        { "spend_tokens", """{"amount":0,"operation":"custom.render"}""", AmountRule + " (got 0)" },
        { "spend_tokens", """{"amount":1.5,"operation":"custom.render"}""", AmountRule + " (got 1.5)" },
        { "spend_tokens", """{"amount":1000000000001,"operation":"custom.render"}""", AmountRule + " (got 1000000000001)" },
        { "spend_tokens", """{"amount":99999999999999999999999,"operation":"custom.render"}""", AmountRule + " (got 99999999999999999999999)" },
        { "spend_tokens", """{"amount":"NaN","operation":"custom.render"}""", AmountRule + " (got \"NaN\")" },
        { "spend_tokens", """{"amount":"Infinity","operation":"custom.render"}""", AmountRule + " (got \"Infinity\")" },
        { "create_escrow", """{"amount":-1,"job_id":"j1","fab_id":"acme"}""", AmountRule + " (got -1)" },
        { "create_escrow", """{"amount":100,"job_id":"j1","fab_id":"acme","expires_in_hours":0}""", "expires_in_hours must be a whole number from 1 to 8760 (got 0)" },
        { "create_escrow", """{"amount":100,"job_id":"j1","fab_id":"acme","expires_in_hours":8761}""", "expires_in_hours must be a whole number from 1 to 8760 (got 8761)" },
        { "charge_for_operation", """{"operation":"model.export.step","quantity":0}""", "quantity must be a whole number from 1 to 1000000 (got 0)" },
        { "charge_for_operation", """{"operation":"model.export.step","quantity":1000001}""", "quantity must be a whole number from 1 to 1000000 (got 1000001)" },
        { "estimate_operation", """{"operation":"model.export.step","quantity":2.5}""", "quantity must be a whole number from 1 to 1000000 (got 2.5)" },
        { "purchase_tokens", """{"tokens":5,"method":"card"}""", "tokens must be a whole number from 10 to 10000000 (got 5)" },
        { "purchase_tokens", """{"tokens":10000001,"method":"card"}""", "tokens must be a whole number from 10 to 10000000 (got 10000001)" },
        { "get_transaction_history", """{"limit":0}""", "limit must be a whole number from 1 to 1000 (got 0)" },
        { "get_transaction_history", """{"limit":1001}""", "limit must be a whole number from 1 to 1000 (got 1001)" },
        { "get_transaction_history", """{"min_amount":-1}""", "min_amount must be a whole number from 0 to 1000000000000 (got -1)" },
    };

    public static TheoryData<string, string, string> Enums => new()
    {
        { "purchase_tokens", """{"tokens":1000,"method":"paypal"}""", "method must be one of card, usdc, eth, btc (got \"paypal\")" },
        { "purchase_tokens", """{"tokens":1000,"method":"CARD"}""", "method must be one of card, usdc, eth, btc (got \"CARD\")" },
        { "get_transaction_history", """{"type":"refund"}""", "type must be one of debit, credit, escrow_hold, escrow_release, escrow_cancel, reservation_hold, reservation_release (got \"refund\")" },
        { "get_transaction_history", """{"kind":"bonus"}""", "kind must be one of charge, spend, grant, purchase, allowance, expiry, refund, escrow, clear, reservation (got \"bonus\")" },
        { "list_escrows", """{"status":"open"}""", "status must be one of held, released, cancelled (got \"open\")" },
        { "export_transactions", """{"format":"xml"}""", "format must be one of csv, json (got \"xml\")" },
    };

    public static TheoryData<string, string, string> DatesAndCursors => new()
    {
        { "get_transaction_history", """{"after":"yesterday"}""", "after " + DateRule + " (got \"yesterday\")" },
        { "get_transaction_history", """{"before":"2026-13-01T00:00:00Z"}""", "before " + DateRule + " (got \"2026-13-01T00:00:00Z\")" },
        { "get_usage", """{"until":""}""", "until " + DateRule + " (got \"\")" },
        { "get_usage", """{"since":"2026-03-10T00:00:00Z","until":"2026-03-01T00:00:00Z"}""", "until must be after since (got " },
        { "get_transaction_history", """{"cursor":"not a cursor!"}""", "cursor must be a cursor returned by this server (got \"not a cursor!\")" },
        { "get_transaction_history", """{"cursor":"AAAA"}""", "cursor must be a cursor returned by this server (got \"AAAA\")" },
        { "get_transaction_history", """{"cursor":""}""", "cursor must be a cursor returned by this server (got \"\")" },
    };

    public static TheoryData<string, string, string> Texts => new()
    {
        { "charge_for_operation", """{"operation":"Model.Export"}""", OperationRule + " (got \"Model.Export\")" },
        { "charge_for_operation", """{"operation":""}""", OperationRule + " (got \"\")" },
        { "charge_for_operation", """{"operation":"model; DROP TABLE accounts"}""", OperationRule + " (got \"model; DROP TABLE accounts\")" },
        { "charge_for_operation", """{"operation":"model.export.step","creator_id":"bob smith"}""", "creator_id must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-' (got \"bob smith\")" },
        { "charge_for_operation", """{"operation":"model.export.step","idempotency_key":""}""", "idempotency_key must be 1-255 characters of valid Unicode with no control characters (got \"\")" },
        { "create_escrow", """{"amount":100,"job_id":"a\u0001b","fab_id":"acme"}""", "job_id must be 1-200 characters of valid Unicode with no control characters (got \"a\\u0001b\")" },
        { "create_escrow", """{"amount":100,"job_id":"j1","fab_id":"../acme"}""", "fab_id must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-' (got \"../acme\")" },
        { "get_escrow", """{"escrow_id":"../../etc/passwd"}""", "escrow_id " + IdRule + " (got \"../../etc/passwd\")" },
        { "get_purchase", """{"purchase_id":"pur-1' OR 1=1"}""", "purchase_id " + IdRule + " (got \"pur-1' OR 1=1\")" },
        { "get_transaction_history", """{"operation":"Model"}""", OperationRule + " (got \"Model\")" },
        { "get_balance", """{"a\u0000b":1}""", "a?b is not an argument of get_balance" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    [MemberData(nameof(Missing))]
    [MemberData(nameof(Unknown))]
    [MemberData(nameof(Numbers))]
    [MemberData(nameof(Enums))]
    [MemberData(nameof(DatesAndCursors))]
    [MemberData(nameof(Texts))]
    public async Task InvalidArguments_AreRefusedByNameAndWriteNothing(string tool, string arguments, string expected)
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        var message = await server.CallErrorAsync(tool, arguments);

        Assert.StartsWith(expected, message, StringComparison.Ordinal);
        AssertSafe(server, message);
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task OversizedParams_AreRefusedWithTheirSize()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");
        var blob = new string('x', 5000);

        var charge = await server.CallErrorAsync("charge_for_operation", $$$"""{"operation":"model.export.step","params":{"blob":"{{{blob}}}"}}""");
        var estimate = await server.CallErrorAsync("estimate_operation", $$$"""{"operation":"model.export.step","params":{"blob":"{{{blob}}}"}}""");
        var metadata = await server.CallErrorAsync("spend_tokens", $$$"""{"amount":5,"operation":"custom.render","metadata":{"blob":"{{{blob}}}"}}""");

        Assert.Equal("params must be at most 4096 bytes as canonical JSON (got 5011 bytes)", charge);
        Assert.Equal(charge, estimate);
        Assert.Equal("metadata must be at most 4096 bytes as canonical JSON (got 5011 bytes)", metadata);
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task ParamsAtTheSizeLimit_AreAccepted()
    {
        await using var server = await McpTestServer.StartAsync();
        var blob = new string('x', 4096 - 11); // {"blob":"..."} is 11 bytes around the text

        var charge = await server.CallOkAsync("charge_for_operation", $$$"""{"operation":"model.export.step","params":{"blob":"{{{blob}}}"}}""");

        Assert.Equal(10, charge.GetProperty("charged").GetInt64());
    }

    [Theory]
    [InlineData(17, false)]
    [InlineData(40, false)]
    [InlineData(16, true)]
    public async Task DeeplyNestedParams_AreRefusedBeyondSixteenLevels(int depth, bool accepted)
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

        var result = await server.CallAsync("charge_for_operation", $$"""{"operation":"model.export.step","params":{{nested}}}""");

        if (accepted)
        {
            Assert.True(result.IsError is not true, McpTestServer.Text(result));
        }
        else
        {
            Assert.True(result.IsError);
            Assert.Equal("params must be nested at most 16 levels (got more than 16)", McpTestServer.Text(result));
            Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
        }
    }

    [Fact]
    public async Task JsonNull_ForOptionalArguments_MeansAbsent()
    {
        await using var server = await McpTestServer.StartAsync();

        var charge = await server.CallOkAsync(
            "charge_for_operation",
            """{"operation":"model.export.step","params":null,"quantity":null,"creator_id":null,"metadata":null,"idempotency_key":null}""");
        var history = await server.CallOkAsync(
            "get_transaction_history",
            """{"type":null,"kind":null,"operation":null,"after":null,"before":null,"min_amount":null,"limit":null,"cursor":null}""");
        var export = await server.CallOkAsync("export_transactions", """{"format":null}""");

        Assert.Equal(10, charge.GetProperty("charged").GetInt64());
        Assert.Equal(1, charge.GetProperty("quantity").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, charge.GetProperty("creator_id").ValueKind);
        Assert.Equal(2, history.GetProperty("transactions").GetArrayLength());
        Assert.Equal("csv", export.GetProperty("format").GetString());
    }

    [Fact]
    public async Task InvalidCall_WithAKey_DoesNotUseUpTheKey()
    {
        await using var server = await McpTestServer.StartAsync();

        var refused = await server.CallErrorAsync("spend_tokens", """{"amount":-5,"operation":"custom.render","idempotency_key":"k1"}""");
        var spend = await server.CallOkAsync("spend_tokens", """{"amount":5,"operation":"custom.render","idempotency_key":"k1"}""");

        Assert.Equal(AmountRule + " (got -5)", refused);
        Assert.False(spend.GetProperty("replayed").GetBoolean());
        Assert.Equal(995, spend.GetProperty("balance_after").GetInt64());
    }

    [Fact]
    public async Task NoArgumentsAtAll_AreAcceptedWhereNoneAreRequired()
    {
        await using var server = await McpTestServer.StartAsync();

        var result = await server.Client.CallToolAsync(new ModelContextProtocol.Protocol.CallToolRequestParams { Name = "get_balance" });

        Assert.True(result.IsError is not true, McpTestServer.Text(result));
        Assert.Equal(1000, result.StructuredContent!.Value.GetProperty("balance").GetInt64());
    }

    private static void AssertSafe(McpTestServer server, string message)
    {
        string[] forbidden = ["SELECT", "INSERT", "UPDATE ", "sqlite", "Exception", "   at ", ".cs:line", server.Folder, "ledger.db", "CycleTokens.Core", "System."];
        foreach (var bad in forbidden)
        {
            Assert.DoesNotContain(bad, message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain('\n', message);
    }
}
