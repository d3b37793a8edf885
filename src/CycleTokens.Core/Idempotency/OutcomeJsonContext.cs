using System.Text.Json.Serialization;
using CycleTokens.Core.Admin;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Purchases;
using CycleTokens.Core.Reservations;

namespace CycleTokens.Core.Idempotency;

/// <summary>Source-generated JSON for stored outcomes and transaction details (no reflection at run time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ChargeResult))]
[JsonSerializable(typeof(SpendResult))]
[JsonSerializable(typeof(GrantResult))]
[JsonSerializable(typeof(EscrowResult))]
[JsonSerializable(typeof(PurchaseResult))]
[JsonSerializable(typeof(RefundResult))]
[JsonSerializable(typeof(ReservationResult))]
[JsonSerializable(typeof(SettlementResult))]
[JsonSerializable(typeof(ChargeDetails))]
[JsonSerializable(typeof(StoredError))]
internal sealed partial class OutcomeJsonContext : JsonSerializerContext;
