// Starts the server the browser tests use: `ferry quickstart --exit` first
// (a real registry, deployment with canary and shadow, monitoring traffic and
// labels, alerts, pipeline runs and dataset versions), then a server on the
// data it left, filled with more tracking data by tests/e2e/fill.py (the
// Python SDK). Tests read the URL and what was filled through inject().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    filled: Filled;
    artifactsDir: string;
  }
}

export interface Filled {
  experiment_id: string;
  runs: string[];
  parent: string;
  children: string[];
  artifact_run: string;
  long_experiment_id: string;
  long_run: string;
  many_experiment_id: string;
}

const root = resolve(__dirname, '..', '..', '..');
const ferry = process.env.FERRY_BIN ?? join(root, 'build', 'release', 'ferry');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

async function waitHealthy(url: string, server: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`ferry server exited: ${readFileSync(log, 'utf8').slice(-2000)}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ferry server did not become healthy');
}

let server: ChildProcess | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (!existsSync(ferry)) throw new Error(`no ferry binary at ${ferry} (set FERRY_BIN)`);
  const dist = join(root, 'ui', 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new Error('ui/dist is not built: run npm run build');
  dir = mkdtempSync(join(tmpdir(), 'ferry-ui-e2e-'));
  const qs = spawnSync(ferry, ['quickstart', '--dir', join(dir, 'qs'), '--port', String(await freePort()), '--exit'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (qs.status !== 0) {
    await teardown();
    throw new Error(`ferry quickstart failed:\n${qs.stdout}\n${qs.stderr}`);
  }
  const data = join(dir, 'qs', 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = join(dir, 'server.log');
  const { openSync } = await import('node:fs');
  const out = openSync(log, 'a');
  server = spawn(
    ferry,
    ['server', '--host', '127.0.0.1', '--port', String(port), '--grpc-port', '-1', '--data-dir', data,
     '--store', `sqlite://${join(data, 'ferry.db')}`, '--artifacts', join(data, 'artifacts'), '--ui-dir', dist,
     '--monitor-interval', '1'],
    { stdio: ['ignore', out, out] },
  );
  try {
    await waitHealthy(url, server, log);
  } catch (e) {
    await teardown();
    throw e;
  }
  const fill = spawnSync('python3', [join(root, 'ui', 'tests', 'e2e', 'fill.py'), '--url', url], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (fill.status !== 0) {
    await teardown();
    throw new Error(`fill.py failed:\n${fill.stdout}\n${fill.stderr}`);
  }
  project.provide('baseUrl', url);
  project.provide('filled', JSON.parse(fill.stdout) as Filled);
  project.provide('artifactsDir', process.env.FERRY_UI_ARTIFACTS ?? join(root, 'ui', 'test-results'));
}

export async function teardown(): Promise<void> {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  // The data stays when FERRY_UI_KEEP is set (to look at a failure).
  if (dir && !process.env.FERRY_UI_KEEP) rmSync(dir, { recursive: true, force: true });
}
