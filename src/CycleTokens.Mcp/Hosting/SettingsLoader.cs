using System.Collections;
using Microsoft.Extensions.Configuration;

namespace CycleTokens.Mcp.Hosting;

/// <summary>Builds <see cref="ServerSettings"/> in the usual .NET order: appsettings.json, environment, command line.</summary>
internal static class SettingsLoader
{
    private const string EnvPrefix = "CYCLETOKENS_";

    /// <summary>Loads settings; <paramref name="overrides"/> are the command-line values given (null = not given).</summary>
    public static ServerSettings Load(IReadOnlyDictionary<string, string?> overrides, string? basePath = null, IDictionary? environment = null)
    {
        var builder = new ConfigurationBuilder()
            .SetBasePath(basePath ?? AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddInMemoryCollection(FromEnvironment(environment ?? Environment.GetEnvironmentVariables()))
            .AddInMemoryCollection(overrides.Where(o => o.Value is not null).Select(o => KeyValuePair.Create(ServerSettings.Section + ":" + o.Key, o.Value)));
        var settings = new ServerSettings();
        try
        {
            builder.Build().GetSection(ServerSettings.Section).Bind(settings);
        }
        catch (InvalidOperationException ex)
        {
            throw new SettingsException("a setting has an invalid value: " + ex.Message);
        }

        return settings;
    }

    // CYCLETOKENS_DB → CycleTokens:DB (configuration keys are case-insensitive; __ separates levels as usual).
    private static IEnumerable<KeyValuePair<string, string?>> FromEnvironment(IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase) && key.Length > EnvPrefix.Length)
            {
                var name = key[EnvPrefix.Length..].Replace("__", ":", StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
                yield return KeyValuePair.Create(ServerSettings.Section + ":" + name, entry.Value as string);
            }
        }
    }
}
