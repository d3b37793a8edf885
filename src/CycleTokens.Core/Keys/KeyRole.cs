namespace CycleTokens.Core.Keys;

/// <summary>What an API key may do.</summary>
public enum KeyRole
{
    /// <summary>The agent tools, bound to the key's account: the role to give a model.</summary>
    Agent,

    /// <summary>The operator tools, naming accounts explicitly; the key's account is only the default one.</summary>
    Operator,
}
