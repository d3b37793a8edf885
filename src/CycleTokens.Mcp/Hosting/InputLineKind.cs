namespace CycleTokens.Mcp.Hosting;

/// <summary>The kinds of <see cref="InputLine"/>.</summary>
internal enum InputLineKind
{
    /// <summary>Nothing the end of input has to wait for or answer.</summary>
    Other,

    /// <summary>A request the server will answer (a <c>subscriptions/listen</c> is not counted: it lasts the session).</summary>
    Request,

    /// <summary><c>notifications/cancelled</c>: the request it names will get no answer.</summary>
    Cancellation,

    /// <summary>Not JSON, and no id can be read from it: answered with a parse error (-32700) and a null id.</summary>
    Unparsable,

    /// <summary>JSON but not a JSON-RPC message, with no usable id: answered with an invalid request error (-32600) and a null id.</summary>
    Invalid,
}
