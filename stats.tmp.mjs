import { readFileSync } from 'node:fs';
import { loadRules } from './dist/src/sigma/load-rules.js';
import { compileRules } from './dist/src/sigma/compile/compile-rules.js';
import { defaultMapping } from './dist/src/mapping/mapping.js';
import { RuleIndex } from './dist/src/sigma/index/rule-index.js';
import { EventView } from './dist/src/events/field-resolver.js';
const loaded = await loadRules(['../shared/corpora/sigma/rules/windows'], { cache: new (await import('./dist/src/sigma/rule-cache.js')).RuleCache('/root/.cache/ballotguard') });
const c = compileRules(loaded.sources, { mapping: defaultMapping(), placeholders: new Map() });
// wrap tests to count evaluations
const evals = new Map();
if (process.env.COUNT) for (const r of c.rules) for (const v of r.variants) { const t = v.test; v.test = (view) => { evals.set(v, (evals.get(v) || 0) + 1); return t(view); }; }
const idx = new RuleIndex(process.env.NOKW ? c.rules.filter(r => r.title !== 'Mimikatz Use') : c.rules);
const lines = readFileSync('/tmp/100k.ndjson', 'utf8').split('\n').slice(0, 20000).filter(Boolean).map(l => JSON.parse(l));
const out = [];
let t = performance.now();
for (const e of lines) { out.length = 0; idx.match(new EventView(e), out); }
console.log('match time', (performance.now() - t).toFixed(0), 'ms for', lines.length);
const total = [...evals.values()].reduce((a, b) => a + b, 0);
console.log('evals per event', (total / lines.length).toFixed(1));
const top = [...evals].sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [v, n] of top) console.log(n, v.rule.title.slice(0, 60), '|', v.name, '|', v.needs ? v.needs.slice(0, 4).map(x => x.field + ':' + JSON.stringify(x.literal)).join(' ') : 'NO NEEDS');
t = performance.now();
for (let k = 0; k < 15; k++) for (const e of lines) { out.length = 0; idx.match(new EventView(e), out); }
console.log('match time x3', (performance.now() - t).toFixed(0), 'ms');
const raw = readFileSync('/tmp/100k.ndjson', 'utf8').split('\n').slice(0, 20000).filter(Boolean);
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  for (const l of raw) JSON.parse(l);
  const parseMs = performance.now() - t0;
  t0 = performance.now();
  for (const e of lines) { out.length = 0; idx.match(new EventView(e), out); }
  const matchMs = performance.now() - t0;
  console.log(`parse ${parseMs.toFixed(0)} ms, match ${matchMs.toFixed(0)} ms, ratio parse/(parse+match) ${(parseMs / (parseMs + matchMs)).toFixed(2)}`);
}
{
  // Evaluation-only cost: record candidates once via a spy, then re-run just the tests.
  const cands = [];
  const saved = new Map();
  for (const r of c.rules) for (const v of r.variants) { saved.set(v, v.test); }
  let currentList;
  for (const [v, t] of saved) v.test = (view) => { currentList.push(v); return t(view); };
  for (const e of lines) { currentList = []; out.length = 0; idx.match(new EventView(e), out); cands.push(currentList); }
  for (const [v, t] of saved) v.test = t;
  for (let round = 0; round < 3; round++) {
    let t0 = performance.now();
    for (let i = 0; i < lines.length; i++) { const view = new EventView(lines[i]); for (const v of cands[i]) v.test(view); }
    const evalMs = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < lines.length; i++) { out.length = 0; idx.match(new EventView(lines[i]), out); }
    const allMs = performance.now() - t0;
    console.log(`eval-only ${evalMs.toFixed(0)} ms, full match ${allMs.toFixed(0)} ms, candidates/event ${(cands.reduce((a, b) => a + b.length, 0) / lines.length).toFixed(1)}`);
  }
}
if (process.env.RANK) {
  const cost = new Map();
  const cands2 = [];
  for (const e of lines) { const view = new EventView(e); out.length = 0; }
  // reuse cands from the block above is out of scope; recompute
  const saved = new Map();
  for (const r of c.rules) for (const v of r.variants) saved.set(v, v.test);
  for (const [v, t] of saved) v.test = (view) => { const s = process.hrtime.bigint(); const res = t(view); cost.set(v, (cost.get(v) || 0n) + (process.hrtime.bigint() - s)); return res; };
  for (let k = 0; k < 3; k++) for (const e of lines) { out.length = 0; idx.match(new EventView(e), out); }
  for (const [v, t] of saved) v.test = t;
  for (const [v, ns] of [...cost].sort((a, b) => Number(b[1] - a[1])).slice(0, 15)) console.log((Number(ns) / 3e6).toFixed(1).padStart(7), 'ms', v.rule.title.slice(0, 70), v.name);
}
