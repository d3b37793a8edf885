namespace CycleTokens.Mcp.Tools;

/// <summary>One argument of a tool: the source of both its input schema and the checks made before binding.</summary>
/// <param name="Name">The snake_case argument name.</param>
/// <param name="Kind">The JSON shape accepted.</param>
/// <param name="Description">What it means, with units and range.</param>
internal sealed record ParameterSpec(string Name, ParamKind Kind, string Description)
{
    public bool Required { get; init; }

    public long Min { get; init; } = 1;

    public long Max { get; init; } = 1_000_000_000_000;

    public IReadOnlyList<string>? Values { get; init; }

    public static ParameterSpec Text(string name, string description, bool required = false, params string[] values) =>
        new(name, ParamKind.String, description) { Required = required, Values = values.Length == 0 ? null : values };

    public static ParameterSpec Whole(string name, string description, long min, long max, bool required = false) =>
        new(name, ParamKind.Integer, description) { Required = required, Min = min, Max = max };

    public static ParameterSpec Obj(string name, string description) => new(name, ParamKind.Object, description);

    public static ParameterSpec Date(string name, string description) => new(name, ParamKind.DateTime, description);
}
