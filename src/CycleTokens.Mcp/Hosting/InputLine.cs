using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// What one line of stdin is, as far as ending the input is concerned: a request the server will answer, a
/// cancellation that withdraws one, a line the SDK's transport drops without a word, or anything else.
/// </summary>
/// <remarks>
/// The SDK's transport answers a line it cannot parse only when it can still read an id from it; for a line with no
/// usable id it logs and says nothing, which leaves a client waiting. Those are the lines marked
/// <see cref="InputLineKind.Unparsable"/> (not JSON) and <see cref="InputLineKind.Invalid"/> (JSON, but no JSON-RPC
/// message), which the input answers itself with a null id, as JSON-RPC 2.0 §5 prescribes.
/// </remarks>
internal readonly record struct InputLine(InputLineKind Kind, RequestId Id = default)
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 256 };

    /// <summary>Classifies one line (without its newline).</summary>
    public static InputLine Of(ReadOnlySpan<byte> line)
    {
        if (line.Trim(" \t\r"u8).IsEmpty)
        {
            return new(InputLineKind.Other);
        }

        try
        {
            return Classify(line);
        }
        catch (JsonException)
        {
            return HasTopLevelId(line) ? new(InputLineKind.Other) : new(InputLineKind.Unparsable);
        }
        catch (InvalidOperationException)
        {
            // Well-formed JSON with a string that is no valid UTF-16 (a lone surrogate escape): the SDK refuses it.
            return HasTopLevelId(line) ? new(InputLineKind.Other) : new(InputLineKind.Invalid);
        }
    }

    private static InputLine Classify(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, Options);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            EnsureEnd(ref reader);
            return new(InputLineKind.Invalid);
        }

        bool version = false, hasId = false, validId = false, hasMethod = false, resultOrError = false;
        RequestId id = default, cancelled = default;
        string? method = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Compared as bytes, without a string per property name.
            var name = Name(ref reader);
            reader.Read();
            switch (name)
            {
                case "jsonrpc":
                    version = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("2.0"u8);
                    break;
                case "id":
                    hasId = true;
                    validId = TryReadId(ref reader, out id);
                    break;
                case "method":
                    hasMethod = true;
                    method = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    break;
                case "params":
                    cancelled = CancelledRequest(ref reader);
                    break;
                case "result" or "error":
                    resultOrError = true;
                    break;
            }

            reader.Skip();
        }

        EnsureEnd(ref reader);

        // A line the SDK refuses is answered by it when it can read the id, and by nobody otherwise.
        var refused = validId ? new InputLine(InputLineKind.Other) : new InputLine(InputLineKind.Invalid);
        if (!version)
        {
            return refused;
        }

        if (!hasMethod)
        {
            // A response to a request of the server's (elicitation, say); its id may be null for an error.
            return resultOrError && hasId ? new(InputLineKind.Other) : refused;
        }

        if (method is null || (hasId && !validId))
        {
            return refused;
        }

        if (validId)
        {
            // A listen request lasts as long as the session; the end of input ends it.
            return method == RequestMethods.SubscriptionsListen ? new(InputLineKind.Other) : new(InputLineKind.Request, id);
        }

        return method == NotificationMethods.CancelledNotification && cancelled.Id is not null
            ? new(InputLineKind.Cancellation, cancelled)
            : new(InputLineKind.Other);
    }

    private static string? Name(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("jsonrpc"u8) ? "jsonrpc"
        : reader.ValueTextEquals("id"u8) ? "id"
        : reader.ValueTextEquals("method"u8) ? "method"
        : reader.ValueTextEquals("params"u8) ? "params"
        : reader.ValueTextEquals("result"u8) ? "result"
        : reader.ValueTextEquals("error"u8) ? "error"
        : null;

    /// <summary>The <c>requestId</c> of a params object (read at its start); the reader is left on the object's end.</summary>
    private static RequestId CancelledRequest(ref Utf8JsonReader reader)
    {
        RequestId id = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return id;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("requestId"u8))
            {
                reader.Read();
                TryReadId(ref reader, out id);
            }

            reader.Skip();
        }

        return id;
    }

    private static bool TryReadId(ref Utf8JsonReader reader, out RequestId id)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            id = new RequestId(reader.GetString()!);
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            id = new RequestId(number);
            return true;
        }

        id = default;
        return false;
    }

    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("More than one JSON value on the line.");
        }
    }

    /// <summary>Whether an id the SDK can answer with precedes the point where a broken line stops parsing.</summary>
    private static bool HasTopLevelId(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId)
                {
                    return TryReadId(ref reader, out _);
                }

                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // The line broke before any id, or the id is a string with a lone surrogate: nothing to answer with.
        }

        return false;
    }
}
