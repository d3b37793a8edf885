using System.Globalization;
using Serilog;
using Serilog.Events;

namespace CycleTokens.Mcp.Hosting;

/// <summary>Serilog for the process: stderr always (stdout is the protocol), a rolling file when configured.</summary>
internal static class Logging
{
    public static Serilog.ILogger Create(ServerSettings settings)
    {
        // By name only: Enum.TryParse also takes numbers, including ones that are no level.
        if (int.TryParse(settings.LogLevel, out _) || !Enum.TryParse<LogEventLevel>(settings.LogLevel, ignoreCase: true, out var level))
        {
            throw new SettingsException($"{settings.Named(nameof(ServerSettings.LogLevel))} must be one of Verbose, Debug, Information, Warning, Error, Fatal (got '{Json.Wire.Shown(settings.LogLevel)}')");
        }

        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            // The SDK logs every request at Information; keep its chatter at Warning unless debugging.
            .MinimumLevel.Override("ModelContextProtocol", level <= LogEventLevel.Debug ? level : LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture);
        if (!string.IsNullOrWhiteSpace(settings.LogFile))
        {
            configuration = configuration.WriteTo.File(settings.LogFile, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, formatProvider: CultureInfo.InvariantCulture);
        }

        return configuration.CreateLogger();
    }
}
