// The inspector page: one EventSource, plain DOM, uPlot for the charts. No framework, no build step:
// it is served as written, so it sticks to what every current browser runs.
(() => {
  'use strict';
  const base = document.body.dataset.base;
  const $ = (id) => document.getElementById(id);
  const COLORS = ['#2f6fde', '#1a7f4b', '#c0392b', '#b26a00', '#7b3fbf', '#008b8b', '#d4418e', '#5b6b7f'];
  let history = [];
  let historyMs = 600000;
  const charts = {};

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'width') el.style.width = v;
      else el.setAttribute(k, v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  const pct = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);
  const ms = (n) => (n === null || n === undefined ? '–' : n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`);
  const int = (n) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en'));
  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'kB', 'MB', 'GB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  }
  function ago(t) {
    if (!t) return '–';
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : new Date(t).toLocaleString();
  }
  /** A fill gauge turns amber near its bound; a progress bar (`progress`) does not. */
  function bar(value, max, progress) {
    const share = max > 0 ? Math.min(1, value / max) : 0;
    return h('span', { class: share > 0.9 && !progress ? 'bar full' : 'bar' }, h('i', { width: `${(share * 100).toFixed(1)}%` }));
  }
  const cell = (text, cls) => ({ text, cls });

  /** Rows keyed by name and updated in place, so buttons keep working while samples arrive. */
  function table(id, items, keyOf, cells, extra) {
    const tbody = $(id).tBodies[0];
    const existing = new Map([...tbody.rows].map((row) => [row.dataset.key, row]));
    const rows = items.map((item) => {
      const key = keyOf(item);
      const values = cells(item);
      let row = existing.get(key);
      if (!row) {
        row = h('tr', { dataset: { key } }, values.map(() => h('td')), extra ? h('td', {}, extra(item)) : null);
      }
      values.forEach((value, i) => {
        const td = row.cells[i];
        const v = value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Node) ? value : { text: value };
        td.className = v.cls || (typeof v.text === 'number' ? 'num' : '');
        td.replaceChildren(...[v.text].flat().map((c) => (c instanceof Node ? c : String(c ?? '–'))));
      });
      return row;
    });
    tbody.replaceChildren(...rows);
    if (items.length === 0) tbody.append(h('tr', {}, h('td', { class: 'empty', colspan: '20' }, 'none')));
  }

  function renderChart(id, key) {
    const el = $(id);
    const names = [...new Set(history.flatMap((p) => Object.keys(p[key])))].sort();
    const data = [history.map((p) => p.t / 1000), ...names.map((n) => history.map((p) => (p[key][n] === undefined ? null : p[key][n])))];
    el.dataset.points = String(history.length);
    el.dataset.series = names.join(',');
    let chart = charts[id];
    if (!chart || chart.names.join('\n') !== names.join('\n')) {
      if (chart) chart.plot.destroy();
      const opts = {
        width: Math.max(300, el.clientWidth),
        height: 220,
        scales: { y: { range: [0, 1] } },
        axes: [{}, { values: (u, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`) }],
        series: [{}, ...names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 2, value: (u, v) => pct(v) }))],
      };
      chart = charts[id] = { names, plot: new uPlot(opts, data, el) };
    } else chart.plot.setData(data);
  }

  function renderCaches(caches) {
    $('total-reads').textContent = int(caches.reduce((sum, c) => sum + c.reads, 0));
    table('caches', caches, (c) => c.name, (c) => {
      const node = c.l2 && c.l2.nodes.length > 0 ? c.l2.nodes : [];
      const latency = node.filter((n) => n.latencyMs !== undefined).map((n) => n.latencyMs);
      const memory = node.find((n) => n.usedMemory !== undefined);
      return [
        c.name,
        int(c.reads),
        pct(c.hitRate),
        c.l1 ? [`${int(c.l1.entries)} / ${int(c.l1.maxEntries)}`, bar(c.l1.entries, c.l1.maxEntries)] : '–',
        c.l1 ? [`${bytes(c.l1.bytes)} / ${bytes(c.l1.maxBytes)}`, bar(c.l1.bytes, c.l1.maxBytes)] : '–',
        c.l2 ? cell(c.l2.connected ? 'connected' : 'down', c.l2.connected ? 'ok' : 'bad') : cell('none', 'muted'),
        c.l2 ? cell(c.l2.breakerOpen ? 'open' : 'closed', c.l2.breakerOpen ? 'bad' : 'ok') : '–',
        latency.length ? ms(Math.max(...latency)) : '–',
        memory ? `${bytes(memory.usedMemory)}${memory.maxMemory ? ` / ${bytes(memory.maxMemory)}` : ''}` : '–',
        `${int(c.bus.applied)} / ${int(c.bus.resyncs)}`,
        `${int(c.loads)} (${int(c.loadErrors)})`,
        `${ms(c.loadP50Ms)} / ${ms(c.loadP95Ms)}`,
        int(c.staleServes),
        c.lockWaits ? `${int(c.lockWaits)} (p95 ${ms(c.lockWaitP95Ms)})` : '0',
      ];
    });
    const select = $('action-cache');
    const names = caches.map((c) => c.name);
    if ([...select.options].map((o) => o.value).join('\n') !== names.join('\n')) {
      const chosen = select.value;
      select.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
      if (names.includes(chosen)) select.value = chosen;
    }
  }

  function renderWarmers(warmers) {
    table('warmers', warmers, (w) => w.name, (w) => {
      const p = w.progress;
      const progress = p ? [`${int(p.done)}${p.total !== undefined ? ` / ${int(p.total)}` : ''}`, p.total ? bar(p.done, p.total, true) : ''] : '–';
      return [
        w.name,
        w.schedule || cell('on demand', 'muted'),
        w.running ? cell('running', 'warn') : w.lastError ? cell(`failed: ${w.lastError}`, 'bad') : w.lastStart ? cell('idle', 'ok') : cell('never run', 'muted'),
        ago(w.lastStart),
        ms(w.lastDurationMs),
        int(w.lastItems),
        progress,
        `${w.runs.succeeded} / ${w.runs.failed} / ${w.runs.skipped}`,
      ];
    }, (w) => h('button', { type: 'button', dataset: { warmer: w.name }, onclick: () => runWarmer(w.name) }, 'Run now'));
    for (const w of warmers) {
      const button = document.querySelector(`button[data-warmer="${CSS.escape(w.name)}"]`);
      if (button) button.disabled = w.running;
    }
  }

  function renderFleet(fleet) {
    table('fleet', fleet.instances, (i) => i.id, (i) => [
      i.self ? `${i.id} (this page)` : i.id,
      cell(i.stale ? `stale: ${ago(i.at)}` : ago(i.at), i.stale ? 'seen' : 'seen ok'),
      pct(i.hitRate),
      i.readsPerSecond.toFixed(1),
      int(i.l1Entries),
      i.l2Connected === null ? '–' : cell(i.l2Connected ? 'connected' : 'down', i.l2Connected ? 'ok' : 'bad'),
      int(i.warmersRunning),
    ]);
    for (const row of $('fleet').tBodies[0].rows) {
      const item = fleet.instances.find((i) => i.id === row.dataset.key);
      row.classList.toggle('stale', Boolean(item && item.stale));
    }
    $('fleet-note').textContent = fleet.error
      ? `Fleet board unavailable: ${fleet.error}`
      : fleet.shared ? `${fleet.instances.length} instance(s) publishing through Redis` : 'No Redis (or fleet view off): this instance only.';
  }

  function renderList(id, items, text) {
    $(id).replaceChildren(...(items.length ? items.map((item) => h('li', {}, text(item))) : [h('li', { class: 'empty' }, 'none')]));
  }
  const renderActions = (actions) =>
    renderList('actions', actions, (a) => `${new Date(a.at).toLocaleTimeString()} ${a.who}: ${a.action} ${a.target}${a.detail ? ` (${a.detail})` : ''}, ${a.outcome}`);

  function render(state) {
    $('instance').textContent = state.instance.id;
    $('updated').textContent = `updated ${new Date(state.at).toLocaleTimeString()}`;
    historyMs = state.historyMs;
    renderFleet(state.fleet);
    renderCaches(state.caches);
    table('methods', state.methods, (m) => `${m.cache}\n${m.label}`, (m) => [
      m.label, m.cache, int(m.reads), pct(m.hitRate), int(m.loads), ms(m.meanLoadMs), ms(m.p95LoadMs), int(m.staleServes), int(m.lockWaits),
    ]);
    renderList('advice', state.advice, (a) => h('span', {}, h('b', {}, `${a.cache}${a.method ? ` · ${a.method}` : ''}: `), a.message));
    // Keys are listed only when the server shows keys at all (showKeys).
    $('hot-keys-section').hidden = !state.showKeys;
    renderList('hot-keys', state.hotKeys.flatMap((c) => c.keys.map((key) => ({ cache: c.cache, key }))), (k) => `${k.cache}: ${k.key}`);
    renderWarmers(state.warmers);
    renderActions(state.actions);
    renderList('faults', state.faults, (f) => `${new Date(f.at).toLocaleTimeString()} ${f.cache}: ${f.operation}${f.key ? ` ${f.key}` : ''}`);
    renderChart('chart-caches', 'caches');
    renderChart('chart-methods', 'methods');
  }

  async function post(path, body) {
    const response = await fetch(`${base}/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, confirm: true }) });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || `HTTP ${response.status}`);
    return answer;
  }
  function report(text, cls) {
    const out = $('action-result');
    out.textContent = text;
    out.className = cls;
  }
  async function runWarmer(name) {
    if (!window.confirm(`Run the warmer "${name}" now?`)) return;
    try {
      await post(`warmers/${encodeURIComponent(name)}/run`, {});
    } catch (error) {
      report(`Could not start ${name}: ${error.message}`, 'bad');
    }
  }
  $('invalidate').addEventListener('click', async () => {
    const cache = $('action-cache').value;
    const tag = $('action-tag').value.trim();
    if (!tag) return report('Type a tag first.', 'warn');
    if (!window.confirm(`Invalidate the tag "${tag}" in the cache "${cache}"? Every entry carrying it is dropped, on every instance.`)) return;
    try {
      await post(`caches/${encodeURIComponent(cache)}/invalidate`, { tags: [tag] });
      report(`Invalidated "${tag}" in ${cache}.`, 'ok');
    } catch (error) {
      report(`Failed: ${error.message}`, 'bad');
    }
  });
  $('clear').addEventListener('click', async () => {
    const cache = $('action-cache').value;
    if (!window.confirm(`Clear every entry of the cache "${cache}", on every instance?`)) return;
    try {
      await post(`caches/${encodeURIComponent(cache)}/clear`, {});
      report(`Cleared ${cache}.`, 'ok');
    } catch (error) {
      report(`Failed: ${error.message}`, 'bad');
    }
  });

  const stream = new EventSource(`${base}/api/stream`);
  const connection = $('connection');
  stream.onopen = () => ((connection.textContent = 'live'), (connection.className = 'badge live'));
  stream.onerror = () => ((connection.textContent = 'reconnecting…'), (connection.className = 'badge down'));
  const on = (type, handler) => stream.addEventListener(type, (event) => handler(JSON.parse(event.data)));
  on('snapshot', (state) => {
    history = state.history;
    render(state);
  });
  on('tick', ({ point, state }) => {
    if (point) history.push(point);
    const oldest = Date.now() - historyMs;
    while (history.length && history[0].t < oldest) history.shift();
    render(state);
  });
  on('warmers', renderWarmers);
  on('actions', renderActions);
  window.addEventListener('resize', () => {
    for (const [id, chart] of Object.entries(charts)) chart.plot.setSize({ width: Math.max(300, $(id).clientWidth), height: 220 });
  });
})();
