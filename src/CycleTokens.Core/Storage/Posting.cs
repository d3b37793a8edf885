namespace CycleTokens.Core.Storage;

/// <summary>One leg of a transaction: a signed amount on one bucket of one account.</summary>
internal readonly record struct Posting(string Account, string Bucket, long Amount)
{
    internal const string Allowance = "allowance";
    internal const string Purchased = "purchased";
    internal const string Main = "main";

    /// <summary>The postings with an amount, after checking that they sum to zero.</summary>
    /// <exception cref="InvalidOperationException">They do not (a bug, never a business outcome): nothing may be written.</exception>
    internal static List<Posting> Balanced(IReadOnlyList<Posting> postings)
    {
        long sum = 0;
        var kept = new List<Posting>(postings.Count);
        foreach (var posting in postings)
        {
            sum = checked(sum + posting.Amount);
            if (posting.Amount != 0)
            {
                kept.Add(posting);
            }
        }

        return sum == 0 ? kept : throw new InvalidOperationException("Postings of a transaction must sum to zero.");
    }
}
