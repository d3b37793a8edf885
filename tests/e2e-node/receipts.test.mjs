// Signed receipts checked by a party we did not write: the `jose` library verifies a receipt from the real server
// against its published JWK Set (agent-billing spec §3). Run by .ci/run after `dotnet build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify, base64url, errors } from 'jose';
import { startServer, cli, ok } from './support.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => {
  const status = await server.stop();
  assert.equal(status.code, 0, server.stderr);
  assert.equal(server.stdout, '');
});

const verifyOptions = { algorithms: ['ES256'], issuer: 'cycletokens', typ: 'cycletokens-receipt+jwt' };

test('a charge over HTTP returns a receipt that jose verifies against /.well-known/jwks.json, and a keyed retry returns the same one', async () => {
  const { secret } = await server.key('erin');
  const { client } = await server.connect(secret);
  try {
    const args = { operation: 'model.export.step', quantity: 10, creator_id: 'frank', idempotency_key: 'e2e-receipt-1' };
    const charge = ok(await client.callTool({ name: 'charge_for_operation', arguments: args }));
    const retry = ok(await client.callTool({ name: 'charge_for_operation', arguments: args }));

    // No credential: anyone holding a receipt can fetch the keys.
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(charge.receipt, jwks, verifyOptions);

    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.kid, protectedHeader.kid);
    assert.equal(payload.transaction_id, charge.transaction_id);
    assert.equal(payload.account, 'erin');
    assert.equal(payload.kind, 'charge');
    assert.equal(payload.operation, 'model.export.step');
    assert.equal(payload.quantity, 10);
    assert.equal(payload.amount, charge.charged);
    assert.equal(payload.creator_share, charge.creator_share);
    assert.equal(payload.platform_share, charge.platform_share);
    assert.equal(payload.balance_after, charge.balance_after);
    assert.equal(payload.timestamp, charge.timestamp);
    assert.match(payload.chain_hash, /^[0-9a-f]{64}$/);
    assert.equal(retry.replayed, true);
    assert.equal(retry.receipt, charge.receipt);
  } finally {
    await client.close();
  }
});

test('a receipt with an altered payload fails jose\'s check, and the CLI confirms the unaltered one against the ledger', async () => {
  const { secret } = await server.key('gina');
  const { client } = await server.connect(secret);
  let receipt;
  try {
    receipt = ok(await client.callTool({ name: 'spend_tokens', arguments: { amount: 120, operation: 'custom.render' } })).receipt;
  } finally {
    await client.close();
  }

  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  const [header, payload, signature] = receipt.split('.');
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
  for (const altered of [{ amount: claims.amount - 1 }, { balance_after: claims.balance_after + 1000 }, { account: 'mallory' }]) {
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, ...altered }))}.${signature}`;
    await assert.rejects(jwtVerify(tampered, jwks, verifyOptions), errors.JWSSignatureVerificationFailed, JSON.stringify(altered));
  }

  const folder = mkdtempSync(join(tmpdir(), 'cycletokens-e2e-receipt-'));
  try {
    const file = join(folder, 'receipt.jws');
    writeFileSync(file, receipt);
    const report = await cli(server.db, 'receipts', 'verify', file);
    assert.equal(report.valid, true);
    assert.equal(report.ledger.matches, true);
    assert.equal(report.claims.amount, 120);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
