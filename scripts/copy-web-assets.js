// Copies the dashboard's static files (everything in src/web that the TypeScript build does not emit)
// into dist/web, next to the compiled app/ modules. Plain Node, no shell, so the build runs on Windows too.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src', 'web');
const to = join(root, 'dist', 'web');
const ASSETS = new Set(['.html', '.css', '.svg', '.png', '.ico', '.txt', '.webmanifest']);

mkdirSync(to, { recursive: true });
let copied = 0;
for (const entry of readdirSync(from, { withFileTypes: true })) {
  if (!entry.isFile() || !ASSETS.has(extname(entry.name))) continue;
  copyFileSync(join(from, entry.name), join(to, entry.name));
  copied++;
}
if (copied === 0) {
  process.stderr.write(`copy-web-assets: no assets found in ${from}\n`);
  process.exit(1);
}
