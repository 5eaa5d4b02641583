import { readFileSync } from 'node:fs';
const buf = readFileSync('/tmp/100k.ndjson').subarray(0, 23_000_000);
const starts = [], ends = [];
let s = 0; for (;;) { const e = buf.indexOf(10, s); if (e < 0) break; starts.push(s); ends.push(e); s = e + 1; }
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < starts.length; i++) JSON.parse(buf.toString('utf8', starts[i], ends[i]));
  const a = performance.now() - t;
  t = performance.now();
  const text = new TextDecoder().decode(buf);
  let p = 0; for (;;) { const e = text.indexOf('\n', p); if (e < 0) break; JSON.parse(text.slice(p, e)); p = e + 1; }
  const b = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < starts.length; i++) buf.toString('utf8', starts[i], ends[i]);
  const c = performance.now() - t;
  console.log(starts.length, 'per-record toString+parse', a.toFixed(0), 'whole decode+slice+parse', b.toFixed(0), 'toString only', c.toFixed(0));
}
