using System.Text.Json.Serialization;

namespace CycleTokens.Core.Receipts;

/// <summary>Source-generated JSON for receipt payloads and the key file (the server is trimmed; no reflection).</summary>
/// <remarks>Strict on reading: every field required, nulls only where declared, no unknown or repeated members.</remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(ReceiptClaims))]
[JsonSerializable(typeof(ReceiptKeyFile))]
internal sealed partial class ReceiptJsonContext : JsonSerializerContext;
