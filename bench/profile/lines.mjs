// Line-level self time (positionTicks) for the functions whose name matches argv[3], from a .cpuprofile.
import { readFileSync } from 'node:fs';
const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const match = new RegExp(process.argv[3]);
const lines = new Map();
let total = 0;
for (const n of profile.nodes) {
  total += n.hitCount ?? 0;
  if (!match.test(n.callFrame.functionName) || !n.positionTicks) continue;
  for (const t of n.positionTicks) {
    const key = `${n.callFrame.url.split('/').slice(-2).join('/')}:${t.line}`;
    lines.set(key, (lines.get(key) ?? 0) + t.ticks);
  }
}
for (const [k, v] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
