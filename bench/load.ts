// A bounded closed-loop HTTP load generator, run as its own process so it
// does not share an event loop with what it measures. Prints one JSON line.
// usage: node bench/load.ts URL SECONDS CONNECTIONS [HEADER=VALUE ...]
import http from 'node:http';

const [url, secondsArg, connectionsArg, ...headerArgs] = process.argv.slice(2);
if (!url) throw new Error('usage: node bench/load.ts URL SECONDS CONNECTIONS [HEADER=VALUE ...]');
const seconds = Math.min(Number(secondsArg ?? 5), 60);
const connections = Math.min(Number(connectionsArg ?? 16), 256);
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies: number[] = [];
const MAX_REQUESTS = 2_000_000;
let errors = 0;
let non2xx = 0;
const deadline = performance.now() + seconds * 1000;

function one(): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.get(url!, { agent, headers }, (res) => {
      if (res.statusCode! >= 300) non2xx++;
      res.resume();
      res.on('end', () => { latencies.push(performance.now() - start); resolve(); });
    });
    req.on('error', () => { errors++; resolve(); });
    // A request that never answers must not keep the loop past its deadline.
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

async function worker(): Promise<void> {
  while (performance.now() < deadline && latencies.length + errors < MAX_REQUESTS) await one();
}

const started = performance.now();
await Promise.all(Array.from({ length: connections }, worker));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(2));
process.stdout.write(`${JSON.stringify({ requests: latencies.length, rps: Math.round(latencies.length / elapsed), p50: pct(0.5), p99: pct(0.99), errors, non2xx })}\n`);
agent.destroy();
