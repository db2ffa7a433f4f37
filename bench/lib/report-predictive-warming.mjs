// Section 9 of docs/BENCHMARKS.md: a fresh instance's L1 hit rate with and without predictive warming.
const pct = (n) => `${(n * 100).toFixed(1)} %`;
const count = (n) => n.toLocaleString('en-US').replace(/,/g, ' ');

export function renderPredictiveWarming(results, p) {
  const run = (id) => results.hotkeys?.[id]?.find((r) => r.ok)?.result;
  const cold = run('cold');
  const warm = run('predictive');
  p('## 9. Predictive warming: a fresh instance\'s first requests');
  p();
  if (!cold || !warm) {
    p('Not run (`--only=hotkeys`).');
    p();
    return;
  }
  p(`A running instance serves ${count(cold.warmRequests)} requests over ${count(cold.keys)} keys drawn from a Zipf`);
  p(`distribution (s = ${cold.zipfS}), counted by \`HotKeys\` and published; then a new instance on the same Redis serves its`);
  p(`first ${count(cold.firstRequests)} requests (the same distribution, another seed), sequentially. \`cold\` starts serving at once;`);
  p(`\`predictive\` first runs \`HotKeys.warm()\` with \`topN: ${warm.topN}\`. The figure is the new instance's L1 hit rate over its first`);
  p('N requests (a scaled-down "first minute"); L2 holds every key in both cases, so each L1 miss costs a Redis round trip, not a load.');
  p();
  p(`| new instance | L1 hit rate, first 100 | first 1 000 | first ${count(cold.firstRequests)} | ÷ cold (first ${count(cold.firstRequests)}) |`);
  p('| --- | ---: | ---: | ---: | ---: |');
  const n = cold.firstRequests;
  for (const [label, r] of [['cold start (baseline)', cold], ['predictive warming', warm]]) {
    p(`| ${label} | ${pct(r.rates[100])} | ${pct(r.rates[1000])} | ${pct(r.rates[n])} | ${(r.rates[n] / cold.rates[n]).toFixed(2)}× |`);
  }
  p();
  p('Only hit rates are reported: the request loop is too short for its timing to mean much on a shared machine.');
  p(`The warm itself read ${warm.warm.warmed} keys into L1 in ${warm.warm.ms.toFixed(0)} ms (${warm.warm.skipped} skipped), before the first request.`);
  p();
}
