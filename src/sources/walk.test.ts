import { execFileSync } from 'node:child_process';
import { chmod, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Issue } from '../issues.js';
import { issueKeys } from './testing.js';
import { discoverFileEntries, discoverFiles } from './walk.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bg-walk-'));
  // root/
  //   b.json, a.ndjson, Z.json (upper case sorts first), sub/{y.json, deeper/x.json.gz}, empty-dir/
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await mkdir(join(root, 'empty-dir'));
  await writeFile(join(root, 'b.json'), '{"b":1}\n');
  await writeFile(join(root, 'a.ndjson'), '{"a":1}\n');
  await writeFile(join(root, 'Z.json'), '{"z":1}\n');
  await writeFile(join(root, 'sub', 'y.json'), '{"y":1}\n');
  await writeFile(join(root, 'sub', 'deeper', 'x.json.gz'), 'x');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function walk(paths: string[]): Promise<{ files: string[]; issues: Issue[] }> {
  const issues: Issue[] = [];
  const files: string[] = [];
  for await (const file of discoverFiles(paths, (i) => issues.push(i))) files.push(file);
  return { files, issues };
}

describe('discoverFiles', () => {
  test('folders recursively, entries sorted by name (code units), files as given', async () => {
    const r = await walk([root, join(root, 'sub', 'y.json')]);
    expect(r.files).toEqual([
      join(root, 'Z.json'),
      join(root, 'a.ndjson'),
      join(root, 'b.json'),
      join(root, 'sub', 'deeper', 'x.json.gz'),
      join(root, 'sub', 'y.json'),
    ]);
    // The explicit file was already reached through its folder: read once, and said so.
    expect(issueKeys(r.issues)).toEqual(['duplicate-path']);
    expect(r.issues[0]!.location.file).toBe(join(root, 'sub', 'y.json'));
  });

  test('arguments keep their order; sizes and explicitness are reported by discoverFileEntries', async () => {
    const entries = [];
    for await (const e of discoverFileEntries([join(root, 'sub'), join(root, 'b.json')], () => undefined))
      entries.push(e);
    expect(entries).toEqual([
      { path: join(root, 'sub', 'deeper', 'x.json.gz'), size: 1, explicit: false },
      { path: join(root, 'sub', 'y.json'), size: 8, explicit: false },
      { path: join(root, 'b.json'), size: 8, explicit: true },
    ]);
  });

  test('a missing path is not-found and the others are still walked', async () => {
    const missing = join(root, 'no-such-thing');
    const r = await walk([missing, join(root, 'a.ndjson')]);
    expect(r.files).toEqual([join(root, 'a.ndjson')]);
    expect(r.issues).toEqual([
      {
        code: 'not-found',
        severity: 'error',
        message: 'no such file or folder',
        location: { file: missing },
      },
    ]);
  });

  test('symlinks are followed, loops are not, dangling links are reported', async () => {
    const tree = join(root, 'links');
    await mkdir(join(tree, 'inner'), { recursive: true });
    await writeFile(join(tree, 'inner', 'f.json'), '{}');
    await symlink(tree, join(tree, 'inner', 'loop'));
    await symlink(join(tree, 'inner', 'f.json'), join(tree, 'alias.json'));
    await symlink(join(tree, 'gone.json'), join(tree, 'dangling.json'));
    await symlink(join(root, 'sub'), join(tree, 'to-sub'));
    const r = await walk([tree]);
    expect(r.files).toEqual([
      join(tree, 'alias.json'),
      join(tree, 'to-sub', 'deeper', 'x.json.gz'),
      join(tree, 'to-sub', 'y.json'),
    ]);
    expect(r.issues.map((i) => [i.code, i.location.file])).toEqual([
      ['not-found', join(tree, 'dangling.json')],
      ['duplicate-path', join(tree, 'inner', 'f.json')],
      ['symlink-loop', join(tree, 'inner', 'loop')],
    ]);
    expect(r.issues[0]!.severity).toBe('warning');
    await rm(tree, { recursive: true });
  });

  test('hard links to one file are read once', async () => {
    const tree = join(root, 'hard');
    await mkdir(tree);
    await writeFile(join(tree, 'one.json'), '{}');
    await link(join(tree, 'one.json'), join(tree, 'two.json'));
    const r = await walk([tree]);
    expect(r.files).toEqual([join(tree, 'one.json')]);
    expect(issueKeys(r.issues)).toEqual(['duplicate-path']);
    await rm(tree, { recursive: true });
  });

  test('a FIFO inside a folder is skipped (reading it could block); named explicitly it is kept', async (ctx) => {
    const tree = join(root, 'fifo');
    await mkdir(tree);
    try {
      execFileSync('mkfifo', [join(tree, 'pipe')]);
    } catch {
      ctx.skip('mkfifo is not available here');
    }
    const r = await walk([tree]);
    expect(r.files).toEqual([]);
    expect(r.issues.map((i) => [i.code, i.severity])).toEqual([['not-a-regular-file', 'warning']]);
    const explicit = await walk([join(tree, 'pipe')]);
    expect(explicit.files).toEqual([join(tree, 'pipe')]);
    expect(explicit.issues).toEqual([]);
    await rm(tree, { recursive: true });
  });

  test('an unreadable folder is reported and skipped', async (ctx) => {
    if (process.getuid?.() === 0) ctx.skip('running as root: permissions are not enforced');
    const tree = join(root, 'locked');
    await mkdir(join(tree, 'closed'), { recursive: true });
    await writeFile(join(tree, 'open.json'), '{}');
    await chmod(join(tree, 'closed'), 0o000);
    try {
      const r = await walk([tree]);
      expect(r.files).toEqual([join(tree, 'open.json')]);
      expect(r.issues.map((i) => [i.code, i.location.file])).toEqual([['unreadable', join(tree, 'closed')]]);
    } finally {
      await chmod(join(tree, 'closed'), 0o755);
      await rm(tree, { recursive: true });
    }
  });

  test('a file deleted after discovery is the reader’s to report; discovery itself does not fail', async () => {
    const tree = join(root, 'vanish');
    await mkdir(tree);
    await writeFile(join(tree, 'a.json'), '{}');
    await writeFile(join(tree, 'b.json'), '{}');
    const issues: Issue[] = [];
    const files: string[] = [];
    for await (const file of discoverFiles([tree], (i) => issues.push(i))) {
      files.push(file);
      if (files.length === 1) await rm(join(tree, 'b.json'));
    }
    // b.json was listed before it was deleted, then could not be stat'ed: reported as gone, not thrown.
    expect(files).toEqual([join(tree, 'a.json')]);
    expect(issues.map((i) => [i.code, i.location.file])).toEqual([['not-found', join(tree, 'b.json')]]);
    await rm(tree, { recursive: true });
  });

  test('an aborted walk stops', async () => {
    const controller = new AbortController();
    const files: string[] = [];
    for await (const file of discoverFiles([root], () => undefined, { signal: controller.signal })) {
      files.push(file);
      controller.abort();
    }
    expect(files).toEqual([join(root, 'Z.json')]);
  });
});
