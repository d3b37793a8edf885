// The built server over MCP Streamable HTTP, driven by the TypeScript SDK's client (a peer we did not write).
// Run by .ci/run after `dotnet build`: `npm ci && node --test` in this folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { startServer, cli, ok } from './support.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => {
  const status = await server.stop();
  // SIGTERM is a graceful stop: exit code 0, nothing but the protocol ever on stdout (here: nothing at all).
  assert.equal(status.code, 0, server.stderr);
  assert.equal(server.stdout, '');
});

test('an agent key sees the agent tools, resources and prompts of its own account', async () => {
  const { secret } = await server.key('alice');
  const { client } = await server.connect(secret);
  try {
    assert.equal(client.getServerVersion()?.name !== undefined, true);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('charge_for_operation'));
    assert.ok(tools.includes('get_balance'));
    assert.ok(!tools.includes('grant_tokens'), 'an agent key must not see operator tools');

    const resources = (await client.listResources()).resources.map((r) => r.uri);
    assert.ok(resources.includes('tokens://balance'));
    const balance = JSON.parse((await client.readResource({ uri: 'tokens://balance' })).contents[0].text);
    assert.equal(balance.account, 'alice');
    assert.equal(balance.balance, 1000);

    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    assert.ok(prompts.includes('estimate_before_running'));
    const prompt = await client.getPrompt({ name: 'estimate_before_running', arguments: { task: 'export a bracket as STEP' } });
    assert.ok(prompt.messages.length > 0);
  } finally {
    await client.close();
  }
});

test('a keyed charge applies once: the retry replays the same transaction', async () => {
  const { secret } = await server.key('bob');
  const { client } = await server.connect(secret);
  try {
    const args = { operation: 'model.export.step', idempotency_key: 'e2e-charge-1' };
    const first = ok(await client.callTool({ name: 'charge_for_operation', arguments: args }));
    const retry = ok(await client.callTool({ name: 'charge_for_operation', arguments: args }));
    assert.equal(first.balance_after, 990);
    assert.equal(retry.transaction_id, first.transaction_id);
    assert.equal(retry.replayed, true);
    assert.equal(ok(await client.callTool({ name: 'get_balance', arguments: {} })).balance, 990);
  } finally {
    await client.close();
  }
  assert.equal((await cli(server.db, 'balance', 'bob')).balance, 990);
});

test('events and balance updates reach the account\'s own sessions only', async () => {
  const carol = await server.connect((await server.key('carol')).secret, 'carol');
  const dave = await server.connect((await server.key('dave')).secret, 'dave');
  try {
    const carolEvents = [];
    const daveEvents = [];
    let carolUpdated;
    const updated = new Promise((resolve) => { carolUpdated = resolve; });
    carol.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { carolEvents.push(n.params); });
    carol.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { carolUpdated(n.params.uri); });
    dave.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { daveEvents.push(n.params); });
    dave.client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => { daveEvents.push('resources/updated'); });
    for (const { client } of [carol, dave]) {
      await client.setLoggingLevel('info');
      await client.subscribeResource({ uri: 'tokens://balance' });
    }

    ok(await carol.client.callTool({ name: 'charge_for_operation', arguments: { operation: 'model.export.step' } }));
    assert.equal(await withTimeout(updated, 30_000), 'tokens://balance');
    // dave's own request after carol's update: anything for dave would have been sent before this returns.
    ok(await dave.client.callTool({ name: 'get_balance', arguments: {} }));

    const spent = carolEvents.find((e) => e.logger === 'cycletokens.events' && e.data?.event === 'token-spent');
    assert.ok(spent, `carol should see her token-spent event, saw ${JSON.stringify(carolEvents)}`);
    assert.deepEqual(daveEvents, []);
  } finally {
    await carol.client.close();
    await dave.client.close();
  }
});

test('an operator key gets the operator tools and names accounts', async () => {
  const { secret } = await server.key('ops', 'operator');
  const { client } = await server.connect(secret);
  try {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('grant_tokens'));
    const grant = ok(await client.callTool({ name: 'grant_tokens', arguments: { account: 'erin', amount: 500, idempotency_key: 'e2e-grant-1' } }));
    assert.equal(grant.balance_after, 1500);
  } finally {
    await client.close();
  }
});

test('a missing, unknown or revoked credential is refused with 401 and a pointer to the resource metadata', async () => {
  const created = await server.key('frank');
  await cli(server.db, 'keys', 'revoke', created.key_id);
  for (const authorization of [undefined, 'Bearer ctk_not-a-real-key', `Bearer ${created.secret}`]) {
    const response = await fetch(server.mcp, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...(authorization ? { Authorization: authorization } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"/);
    assert.doesNotMatch(await response.text(), /ctk_/);
  }
  // The SDK client reports the refusal instead of connecting.
  await assert.rejects(server.connect(created.secret));
  const frank = await cli(server.db, 'keys', 'list', 'frank');
  assert.ok(JSON.stringify(frank).includes(created.key_id));
});

test('a session id presented with another key is refused as unknown and charges nothing', async () => {
  const alice = await server.connect((await server.key('grace')).secret, 'grace');
  const other = (await server.key('grace')).secret;
  try {
    const sessionId = alice.transport.sessionId;
    assert.ok(sessionId, 'a 2025-11-25 client is given a session');
    const response = await fetch(server.mcp, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${other}`,
        'Mcp-Session-Id': sessionId,
        'MCP-Protocol-Version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'charge_for_operation', arguments: { operation: 'model.export.step' } } }),
    });
    assert.equal(response.status, 404);
    assert.equal(ok(await alice.client.callTool({ name: 'get_balance', arguments: {} })).balance, 1000);
  } finally {
    await alice.client.close();
  }
});

test('the ledger verifies after everything above', async () => {
  const report = await cli(server.db, 'verify');
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.equal(report.postings_sum, 0);
});

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms); }),
  ]);
}
