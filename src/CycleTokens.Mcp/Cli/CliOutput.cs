using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Mcp.Json;

namespace CycleTokens.Mcp.Cli;

/// <summary>Where a command writes: results on stdout (aligned tables, or JSON with --json), messages and progress on stderr.</summary>
internal sealed class CliOutput(TextWriter output, TextWriter error, bool json, bool interactiveError)
{
    public TextWriter Out => output;

    public TextWriter Error => error;

    public bool Json => json;

    /// <summary>Writes one result: its JSON with --json, else a two-column table of its scalar fields.</summary>
    public void Record(JsonObject value)
    {
        if (json)
        {
            WriteJson(value);
            return;
        }

        var rows = value
            .Where(p => p.Value is not JsonArray and not JsonObject)
            .Select(p => new[] { p.Key, Scalar(p.Value) })
            .ToList();
        Table(["field", "value"], rows, header: false, alignNumbers: false);
    }

    /// <summary>Writes a list: a JSON object with --json, else an aligned table of the chosen columns.</summary>
    public void List(JsonObject value, string arrayField, params string[] columns)
    {
        if (json)
        {
            WriteJson(value);
            return;
        }

        var items = value[arrayField]?.AsArray() ?? [];
        if (items.Count == 0)
        {
            // A header over nothing, or no output at all, reads as a failure; say what is missing.
            output.WriteLine($"(no {Nothing(arrayField)})");
            return;
        }

        var rows = items.Select(i => columns.Select(c => Scalar(i?[c])).ToArray()).ToList();
        Table(columns, rows, header: true, alignNumbers: true);
        if (value["next_cursor"]?.GetValue<string>() is { } cursor)
        {
            output.WriteLine($"(more: --cursor {cursor})");
        }
    }

    public void WriteJson(JsonNode value) => output.WriteLine(Wire.Text(value));

    /// <summary>Reports a failure and returns its exit code: see <see cref="FailAsync(TextWriter, TextWriter, bool, string, int)"/>.</summary>
    public Task<int> FailAsync(string message, int exitCode) => FailAsync(output, error, json, message, exitCode);

    /// <summary>
    /// Reports a failure: the message on stderr and, with --json, <c>{"error": message, "exit_code": n}</c> on stdout,
    /// so a script reading stdout always gets one JSON document. Returns <paramref name="exitCode"/>.
    /// </summary>
    /// <remarks>The message must be safe to show (no SQL or stack traces); it is written as given.</remarks>
    public static async Task<int> FailAsync(TextWriter output, TextWriter error, bool json, string message, int exitCode)
    {
        await error.WriteLineAsync(message);
        if (json)
        {
            await output.WriteLineAsync(Wire.Text(new JsonObject { ["error"] = message, ["exit_code"] = exitCode }));
        }

        return exitCode;
    }

    /// <summary>Progress on stderr, only when stderr is a terminal (scripts and logs stay quiet).</summary>
    public IProgress<WorkProgress>? Progress(string what) =>
        interactiveError ? new TerminalProgress(error, what) : null;

    private void Table(string[] columns, List<string[]> rows, bool header, bool alignNumbers)
    {
        var all = header ? [columns, .. rows] : rows;
        if (all.Count == 0)
        {
            return;
        }

        var widths = Enumerable.Range(0, columns.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            // Numbers align right, text left, so amounts line up by digit.
            var cells = row.Select((cell, i) => alignNumbers && IsNumber(cell) ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
            output.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }

    private static string Nothing(string arrayField) => arrayField switch
    {
        "by_operation" => "charges or spends in this period",
        _ => arrayField.Replace('_', ' '),
    };

    private static bool IsNumber(string cell) => cell.Length > 0 && cell.All(c => char.IsAsciiDigit(c) || c == '-') && cell != "-";

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue v when v.TryGetValue(out string? s) => Clean(s),
        JsonValue v => v.ToJsonString(),
        _ => Clean(node.ToJsonString()),
    };

    // A terminal must not be driven by stored text: control characters are shown as '?'.
    private static string Clean(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private sealed class TerminalProgress(TextWriter error, string what) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value)
        {
            var pct = value.Total > 0 ? value.Done * 100 / value.Total : 100;
            error.Write($"\r{what}: {value.Done:N0}/{value.Total:N0} ({pct}%)");
            if (value.Done >= value.Total)
            {
                error.WriteLine();
            }
        }
    }
}
