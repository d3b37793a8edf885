namespace CycleTokens.Bench;

/// <summary>
/// A command to measure, written <c>LABEL=[VAR=value ...] PROGRAM [ARG ...]</c>: leading <c>VAR=value</c> words set
/// environment variables as in a shell, double quotes group words, and <c>{db}</c> in an argument stands for the
/// candidate's own ledger file.
/// </summary>
internal sealed record Candidate(string Label, string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    public static Candidate Parse(string spec)
    {
        var split = spec.IndexOf('=', StringComparison.Ordinal);
        if (split <= 0)
        {
            throw new FormatException($"candidate '{spec}' must be LABEL=COMMAND");
        }

        var words = Words(spec[(split + 1)..]);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var first = 0;
        while (first < words.Count && IsAssignment(words[first], out var eq))
        {
            environment[words[first][..eq]] = words[first][(eq + 1)..];
            first++;
        }

        if (first == words.Count)
        {
            throw new FormatException($"candidate '{spec}' has no program");
        }

        return new Candidate(spec[..split].Trim(), words[first], words.Skip(first + 1).ToList(), environment);
    }

    // NAME=value with NAME a shell variable name.
    private static bool IsAssignment(string word, out int eq)
    {
        eq = word.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 && !char.IsAsciiDigit(word[0]) && word[..eq].All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
