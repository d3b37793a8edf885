namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// What the store's own integrity check finds (at most 100 findings), or nothing when it is sound. On SQLite that is
    /// <c>PRAGMA integrity_check</c>, which reads every page and so finds damage the journal scan never touches.
    /// </summary>
    private List<string> IntegrityProblems() => _verification.IntegrityProblems();
}
