// Starting the built server and making keys with its own CLI, for the end-to-end tests.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** The server's build output: CYCLETOKENS_SERVER_DLL, else the Debug build that `dotnet build` at the root makes. */
export const serverDll = process.env.CYCLETOKENS_SERVER_DLL
  ?? resolve(here, '../../src/CycleTokens.Mcp/bin/Debug/net10.0/cycletokens.dll');

/** Runs the CLI on the ledger and returns its parsed --json output; throws with its stderr when it exits non-zero. */
export async function cli(db, ...args) {
  const { stdout } = await run('dotnet', [serverDll, ...args, '--db', db, '--json'], { timeout: 60_000 });
  return JSON.parse(stdout);
}

async function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/** A real `cycletokens serve --http` process on a loopback port with a fresh ledger in a temp folder. */
export async function startServer() {
  if (!existsSync(serverDll)) {
    throw new Error(`no server build at ${serverDll}: run 'dotnet build' at the repository root first`);
  }

  const folder = mkdtempSync(join(tmpdir(), 'cycletokens-e2e-'));
  const db = join(folder, 'ledger.db');
  const url = `http://127.0.0.1:${await freePort()}`;
  const child = spawn('dotnet', [serverDll, 'serve', '--http', url, '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the server exited (${child.exitCode}) before it was healthy:\n${stderr}`);
    }
    try {
      const health = await fetch(`${url}/healthz`);
      if (health.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not healthy within 60 s:\n${stderr}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }

  return {
    url,
    mcp: new URL(`${url}/mcp`),
    db,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    /** Creates a key with the CLI (a second process on the same ledger) and returns the CLI's JSON. */
    key: (account, role = 'agent') => cli(db, 'keys', 'create', account, '--role', role),
    /** Connects the TypeScript SDK's Streamable HTTP client with a bearer credential. */
    async connect(secret, name = 'e2e-node') {
      const client = new Client({ name, version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${secret}` } },
      });
      await client.connect(transport);
      return { client, transport };
    },
    /** SIGTERM, then the exit status; the folder is removed. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const status = await exited;
      rmSync(folder, { recursive: true, force: true });
      return status;
    },
  };
}

/** The structured result of a tool call, failing with the tool's own message when it is an error. */
export function ok(result) {
  if (result.isError) {
    throw new Error(`tool error: ${result.content?.map((c) => c.text).join('\n')}`);
  }
  return result.structuredContent;
}
