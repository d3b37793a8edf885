using System.Text;

namespace CycleTokens.Core.History;

/// <summary>RFC 4180 CSV of transactions, with formula-looking cells prefixed by ' so spreadsheets do not run them.</summary>
internal static class CsvExport
{
    internal const string Header = "date,transaction_id,type,kind,operation,amount,balance_after,counterparty";

    internal static string Write(IReadOnlyList<TransactionRecord> transactions, IProgress<WorkProgress>? progress = null)
    {
        var sb = new StringBuilder(Header).Append("\r\n");
        var rows = 0;
        foreach (var t in transactions)
        {
            if (++rows % 10_000 == 0)
            {
                progress?.Report(new WorkProgress(rows, transactions.Count));
            }

            sb.Append(Cell(t.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"))).Append(',')
                .Append(Cell(t.Id)).Append(',')
                .Append(Cell(t.Type.ToWireName())).Append(',')
                .Append(Cell(t.Kind.ToWireName())).Append(',')
                .Append(Cell(t.Operation ?? string.Empty)).Append(',')
                .Append(t.Amount).Append(',')
                .Append(t.BalanceAfter).Append(',')
                .Append(Cell(t.Counterparty ?? string.Empty))
                .Append("\r\n");
        }

        progress?.Report(new WorkProgress(transactions.Count, transactions.Count));
        return sb.ToString();
    }

    internal static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
