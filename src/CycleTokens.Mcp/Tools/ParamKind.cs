namespace CycleTokens.Mcp.Tools;

/// <summary>The JSON shape a tool parameter accepts.</summary>
internal enum ParamKind
{
    /// <summary>A JSON string.</summary>
    String,

    /// <summary>A JSON number that is a whole number within the parameter's range.</summary>
    Integer,

    /// <summary>A JSON object.</summary>
    Object,

    /// <summary>A JSON string holding an ISO 8601 date-time.</summary>
    DateTime,
}
