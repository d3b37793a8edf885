using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tools;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>Ids that exist in the ledger under test, so a call's other arguments are valid and only the mutation is wrong.</summary>
/// <param name="EscrowId">A held escrow of the bound account.</param>
/// <param name="PurchaseId">A pending purchase of the bound account.</param>
/// <param name="TransactionId">A charge of the bound account.</param>
/// <param name="ForeignEscrowIds">Escrows of another user (as resource URIs they must look unknown).</param>
/// <param name="ReservationId">A held reservation of the bound account.</param>
internal sealed record CallFixtures(string EscrowId, string PurchaseId, string TransactionId, IReadOnlyList<string> ForeignEscrowIds, string ReservationId);

/// <summary>
/// Generates calls that must all be refused: for every tool the server lists in a mode, every argument gets wrong
/// JSON types, out-of-range and non-numeric numbers, every hostile string the contract refuses for it, missing and
/// unknown names; then unknown tools and resources; then seeded random mutations of the same kinds. Each call
/// changes one thing of an otherwise valid call, so the refusal must name that one thing.
/// </summary>
internal sealed class BadCallGenerator
{
    private static readonly string[] WrongTypeForString = ["5", "1.5", "true", "false", "[]", "[\"x\"]", "{}", "{\"$ne\":null}", "[[[[[[[[[[\"deep\"]]]]]]]]]]"];

    private static readonly string[] NotANumber =
        ["\"5\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e3\"", "\"\"", "\"0x10\"", "true", "false", "[5]", "{\"value\":5}", "\"'; DROP TABLE transactions; --\"", "\"-2+3\"", "\"=1+1\""];

    private static readonly string[] NumberTexts =
    [
        "0", "-0", "-1", "-5", "1.5", "0.5", "-0.5", "1e-7", "2.0000000000000001", "1e300", "-1e300", "99999999999999999999999",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1000000000001", "1E3", "123456789012345678901234567890.5",
        "4.9e-324", "1e-400", "1e400", "0.99999999999999999999999999999999", "1.0000000000000000000000000000001",
        "5.00000000000000000000000000000000001", "1000000000000.00000000000000001", "10.000000000000000000000000000000000000000000000000001e1",
        "1e-99999999999", "0e99999999999", "1e99999999999",
    ];

    private static readonly string[] DateTexts =
    [
        "2026-02-30", "2026-03-01T25:00:00Z", "2026-13-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.9999999-14:00",
        "2026-03-01T00:00:00+99:99", "yesterday", "2026-03-01T00:00:00Z' OR 1=1 --", "2026-03-01T00:00:00Z\u0000", "+2026-03-01",
        "２０２６-03-01", "2026-03-01T00:00:00.12345678Z", "1772323200", "now()",
    ];

    private static readonly string[] UnknownNames =
    [
        "Account", "ACCOUNT", "user", "user_id", "account_id", "as_user", "owner", "price", "balance", "tokens_override",
        "__proto__", "constructor", "$where", "a\u0000b", "'; DROP TABLE transactions; --", "=HYPERLINK(\"x\")", "🪙", "", " ",
        "\u202Eaccount", "account\u200B", new string('k', 1000),
    ];

    private static readonly string[] UnknownToolNames =
    [
        "", " ", "nope", "get_balance2", "GET_BALANCE", "Get_Balance", " get_balance", "get_balance ", "get_balance\n", "get-balance",
        "get_balance\u0000", "get_balance\u200B", "ｇet_balance", "tools/call", "../get_balance", "'; DROP TABLE transactions; --",
        "=HYPERLINK(\"x\")", "🪙", "\u202Eecnalab_teg", "refund", "admin", "exec", "eval", "sql", "grant", "grant_tokens;", new string('t', 10_000),
    ];

    private readonly ServerMode _mode;
    private readonly CallFixtures _fixtures;
    private readonly Random _random;
    private readonly ToolRegistry _registry;
    private readonly List<BadCall> _calls = [];

    private BadCallGenerator(ServerMode mode, CallFixtures fixtures, int seed)
    {
        _mode = mode;
        _fixtures = fixtures;
        _random = new Random(seed);
        _registry = new ToolRegistry(mode);
    }

    /// <summary>The tools this mode lists, with their parameters as the server declares them.</summary>
    public IEnumerable<(string Name, IReadOnlyList<ParameterSpec> Parameters)> Tools =>
        _registry.Tools.Select(t => _registry.TryGet(t.Name, out _, out var p) ? (t.Name, p) : throw new InvalidOperationException(t.Name));

    public static IReadOnlyList<BadCall> Generate(ServerMode mode, CallFixtures fixtures, int seed, int randomCount)
    {
        var generator = new BadCallGenerator(mode, fixtures, seed);
        foreach (var (tool, parameters) in generator.Tools)
        {
            generator.ForTool(tool, parameters);
        }

        generator.UnknownTools();
        generator.Resources();
        generator.RandomMutations(randomCount);
        return generator._calls;
    }

    /// <summary>A valid call of each tool with its required arguments only (ids are the fixtures').</summary>
    public static Dictionary<string, string> Base(string tool, string account, CallFixtures fixtures) => tool switch
    {
        "estimate_operation" or "charge_for_operation" => new() { ["operation"] = "\"model.export.step\"" },
        "spend_tokens" => new() { ["amount"] = "5", ["operation"] = "\"custom.render\"" },
        "create_escrow" => new() { ["amount"] = "10", ["job_id"] = "\"job-1\"", ["fab_id"] = "\"acme\"" },
        "get_escrow" or "release_escrow" or "cancel_escrow" => new() { ["escrow_id"] = Json(fixtures.EscrowId) },
        "reserve_operation" => new() { ["operation"] = "\"model.export.step\"" },
        "get_reservation" or "settle_reservation" or "void_reservation" => new() { ["reservation_id"] = Json(fixtures.ReservationId) },
        "purchase_tokens" => new() { ["tokens"] = "1000", ["method"] = "\"card\"" },
        "get_purchase" or "complete_purchase" => new() { ["purchase_id"] = Json(fixtures.PurchaseId) },
        "grant_tokens" => new() { ["account"] = Json(account), ["amount"] = "5" },
        "set_tier" => new() { ["account"] = Json(account), ["tier"] = "\"PRO\"" },
        "get_low_balance_threshold" => new() { ["account"] = Json(account) },
        "set_low_balance_threshold" => new() { ["account"] = Json(account), ["threshold"] = "50" },
        "refund_transaction" => new() { ["transaction_id"] = Json(fixtures.TransactionId), ["reason"] = "\"test\"" },
        "clear_account_data" => new() { ["account"] = Json(account), ["confirm"] = Json("clear " + account) },
        _ => [],
    };

    public static string Json(string value) => JsonSerializer.Serialize(value);

    public static string Object(IEnumerable<KeyValuePair<string, string>> members) =>
        "{" + string.Join(",", members.Select(m => Json(m.Key) + ":" + m.Value)) + "}";

    private void ForTool(string tool, IReadOnlyList<ParameterSpec> parameters)
    {
        foreach (var p in parameters)
        {
            switch (p.Kind)
            {
                case ParamKind.String:
                    Each(tool, p, "wrong type", WrongTypeForString);
                    foreach (var s in HostileStrings.All.Where(s => !FieldRules.Accepts(tool, p.Name, s, _mode.Account, p.Values)))
                    {
                        Add("hostile string", tool, p.Name, Json(s), FieldRules.Mentions(p.Name, s));
                    }

                    break;
                case ParamKind.DateTime:
                    Each(tool, p, "wrong type", ["20260301", "true", "[]", "{}", "1.5"]);
                    foreach (var s in HostileStrings.All.Concat(DateTexts).Where(s => !FieldRules.Accepts(tool, p.Name, s, _mode.Account, null)))
                    {
                        Add("bad date", tool, p.Name, Json(s), [p.Name]);
                    }

                    break;
                case ParamKind.Integer:
                    Each(tool, p, "not a number", NotANumber);
                    foreach (var text in NumberTexts.Append((p.Min - 1).ToString(CultureInfo.InvariantCulture)).Append((p.Max + 1).ToString(CultureInfo.InvariantCulture)).Distinct())
                    {
                        if (!AcceptsNumber(text, p))
                        {
                            Add("bad number", tool, p.Name, text, [p.Name]);
                        }
                    }

                    break;
                case ParamKind.Object:
                    Each(tool, p, "wrong type", ["\"x\"", "\"{}\"", "5", "[]", "[{}]", "true"]);
                    Each(tool, p, "too deep", [Nested(17), Nested(30), Nested(50), "{\"a\":" + new string('[', 20) + new string(']', 20) + "}"]);
                    Each(tool, p, "too big", [$"{{\"blob\":\"{new string('x', 5000)}\"}}", $"{{\"blob\":\"{new string('x', HostileStrings.OneMegabyte)}\"}}", ManyKeys(600)]);
                    break;
            }

            if (p.Required)
            {
                var without = Base(tool, _mode.Account, _fixtures);
                without.Remove(p.Name);
                AddRaw("missing", tool, Object(without), [p.Name + " is required"]);
                AddRaw("missing (null)", tool, Object(without.Append(new(p.Name, "null"))), [p.Name + " is required"]);
            }
        }

        var names = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = UnknownNames
            .Concat(names.Select(n => n.ToUpperInvariant()))
            .Concat(names.SelectMany(n => new[] { n + " ", " " + n, n + "\u200B", n.Replace('_', '-') }))
            .Append("account")
            .Where(n => !names.Contains(n))
            .Distinct(StringComparer.Ordinal);
        foreach (var name in unknown)
        {
            var args = Base(tool, _mode.Account, _fixtures);
            args[name] = "\"bob\"";
            AddRaw("unknown argument", tool, Object(args), [$"is not an argument of {tool}"]);
        }
    }

    private void UnknownTools()
    {
        var names = UnknownToolNames.AsEnumerable();
        if (!_mode.Operator)
        {
            // In agent mode the operator tools do not exist: each by name and in odd spellings.
            names = names.Concat(Contract.OperatorTools.SelectMany(t => Spellings(t.Name)));
        }

        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            _calls.Add(new BadCall(_calls.Count + 1, "unknown tool", BadCallKind.UnknownTool, name, "{}", []));
        }
    }

    /// <summary>A tool name as it is, and as a careless or crafty caller might spell it.</summary>
    public static IEnumerable<string> Spellings(string name) =>
    [
        name, name.ToUpperInvariant(), char.ToUpperInvariant(name[0]) + name[1..], " " + name, name + " ", "\t" + name, name + "\n",
        name + "\u0000", name + "\u200B", "\u200B" + name, name.Replace('_', '-'), name.Replace("_", string.Empty, StringComparison.Ordinal),
        string.Concat(name.Select(c => c is >= 'a' and <= 'z' ? (char)(c - 'a' + 'ａ') : c)), name + "/", "tools/" + name,
    ];

    private void Resources()
    {
        string[] uris =
        [
            // Blank URIs are refused by the C# client itself; the raw-line tests send them.
            "tokens://", "tokens://balance2", "tokens://Balance", "TOKENS://balance", "tokens://balance/", "tokens://balance?account=bob",
            "tokens://balance#bob", "tokens://balance/../pricing", "tokens://transactions.csv?account=bob", "tokens://transactions.json",
            "tokens://escrows", "tokens://escrows/", "tokens://escrows/../balance", "tokens://escrows/%2e%2e%2fbalance", "tokens://escrows/esc_999999",
            "tokens://escrows/ESC_999999", "tokens://escrows/'; DROP TABLE transactions; --", "tokens://escrows/%27%3B%20DROP%20TABLE%20transactions%3B%20--",
            "tokens://escrows/%00", "tokens://escrows/%F0%9F%AA%99", "tokens://escrows/%ZZ", "tokens://escrows/\u202Eesc", "tokens://escrows/=HYPERLINK(\"x\")",
            "tokens://accounts/bob", "tokens://users/bob/balance", "file:///etc/passwd", "file://" + Path.GetTempPath(), "http://127.0.0.1/",
            "tokens://escrows/" + new string('e', HostileStrings.OneMegabyte), "tokens://" + new string('b', 10_000), "\u0000", "🪙://balance",
        ];
        foreach (var uri in uris.Concat(_fixtures.ForeignEscrowIds.SelectMany(id => new[] { "tokens://escrows/" + id, "tokens://escrows/" + Uri.EscapeDataString(id) + "%20" })))
        {
            _calls.Add(new BadCall(_calls.Count + 1, "unknown resource", BadCallKind.Resource, uri, "{}", []));
        }
    }

    private void RandomMutations(int count)
    {
        var tools = Tools.ToList();
        for (var i = 0; i < count; i++)
        {
            var (tool, parameters) = tools[_random.Next(tools.Count)];
            var roll = _random.Next(10);
            var strings = parameters.Where(p => p.Kind is ParamKind.String or ParamKind.DateTime && p.Name != "category").ToList();
            var numbers = parameters.Where(p => p.Kind == ParamKind.Integer).ToList();
            if (roll < 6 && strings.Count > 0)
            {
                var p = strings[_random.Next(strings.Count)];
                var s = HostileStrings.Random(_random, _random.Next(4) == 0 ? 300 : 40);
                if (!FieldRules.Accepts(tool, p.Name, s, _mode.Account, p.Values))
                {
                    Add("random string", tool, p.Name, Json(s), p.Kind == ParamKind.DateTime ? [p.Name] : FieldRules.Mentions(p.Name, s));
                }
            }
            else if (roll < 8 && numbers.Count > 0)
            {
                var p = numbers[_random.Next(numbers.Count)];
                var text = RandomNumberText();
                if (!AcceptsNumber(text, p))
                {
                    Add("random number", tool, p.Name, text, [p.Name]);
                }
            }
            else if (roll < 9)
            {
                var args = Base(tool, _mode.Account, _fixtures);
                var name = HostileStrings.Random(_random, 20);
                if (!parameters.Any(p => p.Name == name) && FieldRules.IsValidUnicode(name))
                {
                    args[name] = RandomNumberText();
                    AddRaw("random unknown argument", tool, Object(args), [$"is not an argument of {tool}"]);
                }
            }
            else
            {
                var name = HostileStrings.Random(_random, 30);
                if (!tools.Any(t => t.Name == name) && FieldRules.IsValidUnicode(name))
                {
                    _calls.Add(new BadCall(_calls.Count + 1, "random unknown tool", BadCallKind.UnknownTool, name, "{}", []));
                }
            }
        }
    }

    private string RandomNumberText() => _random.Next(6) switch
    {
        0 => (-_random.NextInt64(0, long.MaxValue)).ToString(CultureInfo.InvariantCulture),
        1 => (_random.NextDouble() * Math.Pow(10, _random.Next(-5, 25))).ToString("R", CultureInfo.InvariantCulture),
        2 => "1" + new string('0', _random.Next(13, 400)),
        3 => _random.Next(1, 1000).ToString(CultureInfo.InvariantCulture) + "." + _random.Next(1, 99_999).ToString(CultureInfo.InvariantCulture),
        4 => "-" + _random.Next(0, 1000).ToString(CultureInfo.InvariantCulture) + "e" + _random.Next(0, 5).ToString(CultureInfo.InvariantCulture),
        _ => _random.NextInt64(1_000_000_000_001, long.MaxValue).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The contract's integer rule: a JSON number equal to a whole number within the parameter's range (5.0 counts as 5).</summary>
    private static bool AcceptsNumber(string text, ParameterSpec p)
    {
        if (text.Length == 0 || !(char.IsAsciiDigit(text[0]) || text[0] == '-'))
        {
            return false; // a string, boolean, array or object
        }

        var whole = WholeValue(text);
        return whole is { } n && n >= p.Min && n <= p.Max;
    }

    /// <summary>The exact value of a JSON number text if it is whole, else null (exact: no floating point; beyond 10^30 capped there).</summary>
    private static BigInteger? WholeValue(string text)
    {
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        var ePos = body.IndexOfAny(['e', 'E']);
        var exponent = ePos < 0 ? BigInteger.Zero : BigInteger.Parse(body[(ePos + 1)..].TrimStart('+'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = ePos < 0 ? body : body[..ePos];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        exponent -= dot < 0 ? 0 : mantissa.Length - dot - 1;
        var value = BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        if (value.IsZero)
        {
            return BigInteger.Zero;
        }

        var sign = negative ? -1 : 1;
        if (exponent >= 0)
        {
            return sign * value * BigInteger.Pow(10, (int)BigInteger.Min(exponent, 30));
        }

        if (-exponent > digits.Length)
        {
            return null; // a nonzero mantissa divided by more tens than it has digits
        }

        var divisor = BigInteger.Pow(10, (int)-exponent);
        return value % divisor == 0 ? sign * (value / divisor) : null;
    }

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    private static string ManyKeys(int count)
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < count; i++)
        {
            sb.Append(i == 0 ? string.Empty : ",").Append("\"k").Append(i).Append("\":").Append(i);
        }

        return sb.Append('}').ToString();
    }

    private void Each(string tool, ParameterSpec p, string category, IEnumerable<string> rawValues)
    {
        foreach (var raw in rawValues)
        {
            Add(category, tool, p.Name, raw, [p.Name]);
        }
    }

    private void Add(string category, string tool, string field, string rawValue, IReadOnlyList<string> mentions)
    {
        var args = Base(tool, _mode.Account, _fixtures);
        args[field] = rawValue;
        AddRaw(category + " in " + field, tool, Object(args), mentions);
    }

    private void AddRaw(string category, string tool, string arguments, IReadOnlyList<string> mentions) =>
        _calls.Add(new BadCall(_calls.Count + 1, category, BadCallKind.Tool, tool, arguments, mentions));
}
