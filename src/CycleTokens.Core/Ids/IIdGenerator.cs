namespace CycleTokens.Core.Ids;

/// <summary>The one source of new ids (transactions, escrows, purchases). Injected so tests can predict ids.</summary>
public interface IIdGenerator
{
    /// <summary>Returns a new id that starts with <paramref name="prefix"/> and an underscore, unique across processes.</summary>
    string NewId(string prefix);
}
