import { readFileSync } from 'node:fs';
import { loadRules } from './dist/src/sigma/load-rules.js';
import { RuleCache, defaultCacheDir } from './dist/src/sigma/rule-cache.js';
import { compileRules } from './dist/src/sigma/compile/compile-rules.js';
import { defaultMapping } from './dist/src/mapping/mapping.js';
import { RuleIndex } from './dist/src/sigma/index/rule-index.js';
import { EventView } from './dist/src/events/field-resolver.js';
import { LiteralScanner } from './dist/src/sigma/index/literal-scanner.js';
import { AnchoredTrie } from './dist/src/sigma/index/anchored-trie.js';
const loaded = await loadRules(['../shared/corpora/sigma/rules/windows'], { cache: new RuleCache(defaultCacheDir()) });
const c = compileRules(loaded.sources, { mapping: defaultMapping(), placeholders: new Map() });
const idx = new RuleIndex(c.rules);
const lines = readFileSync('/tmp/100k.ndjson', 'utf8').split('\n').slice(0, 20000).filter(Boolean).map(l => JSON.parse(l));
const chars = new Map(); const scanCalls = new Map();
const orig = LiteralScanner.prototype.scan;
let cur = '';
LiteralScanner.prototype.scan = function (text, onHit) { chars.set(cur + ' n=' + this.literals.length, (chars.get(cur + ' n=' + this.literals.length) || 0) + text.length); return orig.call(this, text, onHit); };
// find field names via monkeypatching view.get
const og = EventView.prototype.get;
EventView.prototype.get = function (f) { cur = f; return og.call(this, f); };
const out = [];
for (const e of lines) { out.length = 0; cur = 'LEAVES'; idx.match(new EventView(e), out); }
const tot = [...chars.values()].reduce((a, b) => a + b, 0);
console.log('scanned chars per event', (tot / lines.length).toFixed(0));
for (const [k, v] of [...chars].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log((v / lines.length).toFixed(0).padStart(6), k);
const seen = new Set();
let shortScanners = 0;
LiteralScanner.prototype.scan = function (text, onHit) { if (!seen.has(this)) { seen.add(this); const sh = this.literals.filter(l => l.length < 3); if (sh.length) { shortScanners++; if (shortScanners < 15) console.log('short:', JSON.stringify(sh.slice(0, 10)), 'of', this.literals.length); } } return orig.call(this, text, onHit); };
for (const e of lines) { out.length = 0; idx.match(new EventView(e), out); }
