using System.Text;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A strict RFC 4180 reader, written independently of the server's CSV writer: records end with CRLF, a field with a
/// comma, quote, CR or LF must be quoted, a quote inside a quoted field is doubled. Anything else (a bare quote in
/// an unquoted field, text after a closing quote, a bare LF between records) is an error, not a guess.
/// </summary>
internal static class Rfc4180
{
    public static List<List<string>> Parse(string text)
    {
        var records = new List<List<string>>();
        var i = 0;
        while (i < text.Length)
        {
            var record = new List<string>();
            while (true)
            {
                record.Add(ReadField(text, ref i));
                if (i < text.Length && text[i] == ',')
                {
                    i++;
                    continue;
                }

                if (i + 1 < text.Length && text[i] == '\r' && text[i + 1] == '\n')
                {
                    i += 2;
                    break;
                }

                throw new FormatException($"record {records.Count + 1} does not end with CRLF at offset {i}");
            }

            records.Add(record);
        }

        return records;
    }

    private static string ReadField(string text, ref int i)
    {
        if (i < text.Length && text[i] == '"')
        {
            var sb = new StringBuilder();
            i++;
            while (true)
            {
                if (i >= text.Length)
                {
                    throw new FormatException("unterminated quoted field");
                }

                if (text[i] == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        sb.Append('"');
                        i += 2;
                        continue;
                    }

                    i++;
                    if (i < text.Length && text[i] != ',' && text[i] != '\r')
                    {
                        throw new FormatException($"text after a closing quote at offset {i}");
                    }

                    return sb.ToString();
                }

                sb.Append(text[i++]);
            }
        }

        var start = i;
        while (i < text.Length && text[i] is not (',' or '\r'))
        {
            if (text[i] is '"' or '\n')
            {
                throw new FormatException($"unquoted field holds {(text[i] == '"' ? "a quote" : "a line feed")} at offset {i}");
            }

            i++;
        }

        return text[start..i];
    }
}
