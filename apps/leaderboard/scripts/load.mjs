#!/usr/bin/env node
/**
 * A mixed, read-heavy workload against the leaderboard app, with and without the cache.
 *
 *   npx tsc -b apps/leaderboard && node apps/leaderboard/scripts/load.mjs
 *
 * By default it starts two instances of the app on loopback ports, one with CACHE=on and one with
 * CACHE=off, on the same seed (and the same REDIS_URL, if set), loads each in turn, prints latency
 * percentiles, requests/s and the cache hit rate of each run, and stops them. TARGET=http://127.0.0.1:3000
 * loads a running app instead (one run). Only 127.0.0.1 is ever targeted.
 *
 * Environment: DURATION (seconds per run, default 10, at most 60), CONNECTIONS (default 20),
 * TARGET, REDIS_URL, and SEED_AGENTS / SEED_TASKS / SEED_VOTES for the instances it starts
 * (default 2 000 / 20 000 / 30 000: seeded in seconds).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const DURATION = bounded('DURATION', 10, 1, 60);
const CONNECTIONS = bounded('CONNECTIONS', 20, 1, 500);
const STARTUP_TIMEOUT_MS = 120_000;
const children = new Set();

function bounded(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return value;
}

/** The whole run is bounded: startup of both instances, both runs, and a margin. */
const deadline = setTimeout(() => {
  console.error('load.mjs: time limit reached, stopping');
  stopAll();
  process.exit(2);
}, STARTUP_TIMEOUT_MS * 2 + DURATION * 2_000 + 30_000);
deadline.unref();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startInstance(label, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      SEED_AGENTS: process.env.SEED_AGENTS ?? '2000',
      SEED_TASKS: process.env.SEED_TASKS ?? '20000',
      SEED_VOTES: process.env.SEED_VOTES ?? '30000',
      // Each instance its own keys in a shared Redis: the uncached one must not read the cached one's entries.
      CACHE_NAMESPACE: `load-${label}-${process.pid}`,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.once('exit', () => children.delete(child));
  const url = `http://${HOST}:${port}`;
  const started = Date.now();
  while (Date.now() - started < STARTUP_TIMEOUT_MS) {
    if (child.exitCode !== null) throw new Error(`the ${label} instance exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/health`)).status < 500) return { label, url, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the ${label} instance did not answer within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}

/** The cache counters of GET /metrics, summed over caches and methods. */
async function cacheCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (pattern) => [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  return {
    hits: sum(/^tiercache_hits_total\{[^}]*\} (\d+)$/gm),
    l1: sum(/^tiercache_hits_total\{[^}]*tier="l1"[^}]*\} (\d+)$/gm),
    misses: sum(/^tiercache_misses_total\{[^}]*\} (\d+)$/gm),
  };
}

/** Agent ids drawn like the seed's: low ids are the busy, popular ones. */
function workload(agents) {
  const agentId = () => 1 + Math.floor(agents * Math.random() ** 2);
  const day = (offset) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  let voter = 0;
  // [weight, request]: 95 % reads, 5 % votes.
  const mix = [
    [35, () => ({ path: `/agents/${agentId()}` })],
    [20, () => ({ path: `/agents/${agentId()}/stats` })],
    [10, () => ({ path: `/agents/${agentId()}/tasks?limit=10` })],
    [10, () => ({ path: '/leaderboards/daily' })],
    [5, () => ({ path: '/leaderboards/weekly' })],
    [5, () => ({ path: `/leaderboards/daily?date=${day(1 + Math.floor(Math.random() * 7))}` })],
    [5, () => ({ path: `/agents?limit=20&offset=${20 * Math.floor(Math.random() * 10)}` })],
    [
      5,
      () => ({
        method: 'POST',
        path: '/votes',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: agentId(), voter: `load-${voter++}`, value: Math.random() < 0.7 ? 1 : -1 }),
      }),
    ],
  ];
  const total = mix.reduce((sum, [weight]) => sum + weight, 0);
  return (request) => {
    let pick = Math.random() * total;
    for (const [weight, make] of mix) {
      pick -= weight;
      if (pick < 0) return { ...request, method: 'GET', body: undefined, ...make() };
    }
    return request;
  };
}

async function load({ label, url }) {
  const agents = (await (await fetch(`${url}/agents?limit=1`)).json()).total;
  const before = await cacheCounters(url);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [{ setupRequest: workload(agents) }],
  });
  const after = await cacheCounters(url);
  const hits = after.hits - before.hits;
  const reads = hits + after.misses - before.misses;
  return {
    run: label,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p90 ms': result.latency.p90,
    'p99 ms': result.latency.p99,
    'max ms': result.latency.max,
    requests: result.requests.total,
    'non-2xx': result.non2xx,
    errors: result.errors + result.timeouts,
    'hit rate': reads === 0 ? 'n/a' : `${((100 * hits) / reads).toFixed(1)} %`,
    'L1 share of hits': hits === 0 ? 'n/a' : `${((100 * (after.l1 - before.l1)) / hits).toFixed(1)} %`,
  };
}

async function main() {
  const rows = [];
  const target = process.env.TARGET;
  if (target !== undefined) {
    const url = new URL(target);
    if (url.hostname !== HOST) throw new Error(`TARGET must be on ${HOST}, got ${url.hostname}`);
    rows.push(await load({ label: 'target', url: url.origin }));
  } else {
    const mode = process.env.REDIS_URL ? 'L1 + Redis L2' : 'L1 only';
    console.log(`starting two instances (${mode}); ${DURATION} s per run, ${CONNECTIONS} connections`);
    const [cached, uncached] = await Promise.all([
      startInstance('cache-on', { CACHE: 'on' }),
      startInstance('cache-off', { CACHE: 'off' }),
    ]);
    rows.push(await load(uncached));
    rows.push(await load(cached));
  }
  console.table(rows);
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => {
    stopAll();
    clearTimeout(deadline);
  });
