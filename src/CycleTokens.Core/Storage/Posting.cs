namespace CycleTokens.Core.Storage;

/// <summary>One leg of a transaction: a signed amount on one bucket of one account.</summary>
internal readonly record struct Posting(string Account, string Bucket, long Amount)
{
    internal const string Allowance = "allowance";
    internal const string Purchased = "purchased";
    internal const string Main = "main";
}
