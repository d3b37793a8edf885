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
        var rows = items.Select(i => columns.Select(c => Scalar(i?[c])).ToArray()).ToList();
        Table(columns, rows, header: true, alignNumbers: true);
        if (value["next_cursor"]?.GetValue<string>() is { } cursor)
        {
            output.WriteLine($"(more: --cursor {cursor})");
        }
    }

    public void WriteJson(JsonNode value) => output.WriteLine(Wire.Text(value));

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
