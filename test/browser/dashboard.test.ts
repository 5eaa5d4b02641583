/**
 * The dashboard end to end in a real browser: Debian's chromium driven by playwright-core (no browser
 * download), against the real server (`buildServer`) on a temporary SQLite store seeded through the Store
 * interface. It signs in with a token, works an incident from the keyboard, searches alerts, uploads a log
 * and watches its alerts arrive, and checks that hostile data (rule titles, event fields, notes, reasons
 * holding `<script>` and `<img onerror>`) is shown as text and never runs.
 *
 * Screenshots go to test-artifacts/screenshots/ (gitignored; CI keeps them as artefacts).
 * Without /usr/bin/chromium (or BALLOTGUARD_CHROMIUM) the suite is skipped with a message, except under
 * CI=true, where that is a failure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/events/event.js';
import { generateToken, hashToken } from '../../src/server/auth.js';
import { buildServer } from '../../src/server/server.js';
import { openStore } from '../../src/store/open-store.js';
import type { IncidentRecord, Store, TokenRole } from '../../src/store/store.js';
import { AttackIndex } from '../../src/intel/attack/catalogue.js';
import { loadAttackBundle } from '../../src/intel/attack/load-bundle.js';
import { projectRoot, sharedPath } from '../helpers/shared.js';
import { dashboardHunting } from './hunting.js';

const CHROMIUM = process.env['BALLOTGUARD_CHROMIUM'] ?? '/usr/bin/chromium';
const IN_CI = process.env['CI'] === 'true';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = join(projectRoot, 'test-artifacts', 'screenshots');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------------------------------------------------
// Hostile data: if any of it ran, `window.__xss` would be set (the XSS context below turns CSP off, so
// only the dashboard's escaping stands in the way).

const XSS_RULE_TITLE = `LSASS dump <img src=x onerror="window.__xss='rule-title'">`;
const XSS_EVENT_FIELD = `<script>window.__xss='event'</script><img src=x onerror="window.__xss='event-img'">`;
const XSS_INCIDENT_TITLE = `Credential theft on dc01 <script>window.__xss='incident'</script>`;
const XSS_REASON = `same host dc01 within 2 h <img src=x onerror="window.__xss='reason'">`;
const XSS_NOTE = `<img src=x onerror="window.__xss='note'">checked the DC <b>bold?</b>`;
/** Host names are stored as their first label, lowercased: this one has no dot to lose. */
const XSS_HOST = `<svg onload="self['__xss']='host'">`;

const RULES = [
  {
    id: 'bg-test-lsass',
    title: XSS_RULE_TITLE,
    level: 'critical',
    tags: ['attack.credential-access', 'attack.t1003.001'],
  },
  {
    id: 'bg-test-psexec',
    title: 'PsExec service started remotely',
    level: 'high',
    tags: ['attack.lateral-movement', 'attack.t1021.002'],
  },
  {
    id: 'bg-test-webshell',
    title: 'Web shell request to Exchange',
    level: 'medium',
    tags: ['attack.persistence', 'attack.t1505.003'],
  },
  {
    id: 'bg-test-logon',
    title: 'Failed logon burst',
    level: 'low',
    tags: ['attack.credential-access', 'attack.t1110'],
  },
] as const;
const HOSTS = ['dc01.elections.local', 'exch01.elections.local', 'ws-clerk-04.elections.local'] as const;
const SEEDED = 80;
const BASE_TIME = Date.parse('2024-11-01T06:00:00Z');

function seededAlert(index: number): Alert {
  const rule = RULES[index % RULES.length]!;
  const host = index === SEEDED - 1 ? XSS_HOST : HOSTS[index % HOSTS.length]!;
  const timestamp = new Date(BASE_TIME + index * 3 * 3_600_000).toISOString();
  return {
    timestamp,
    rule: { ...rule, tags: [...rule.tags], path: `rules/test/${rule.id}.yml` },
    source: { path: 'seed/security.ndjson', format: 'ndjson', line: index + 1, offset: index * 400 },
    event: {
      Event: {
        System: {
          EventID: 4688,
          Channel: 'Security',
          Computer: host,
          TimeCreated: { '#attributes': { SystemTime: timestamp } },
        },
        EventData: {
          SubjectUserName: index % 2 === 0 ? 'svc_backup' : 'clerk.jones',
          IpAddress: `10.20.0.${(index % 7) + 10}`,
          CommandLine: index === 0 ? XSS_EVENT_FIELD : `cmd.exe /c whoami #${index}`,
        },
      },
    },
  };
}

/** Sysmon process creations the built-in comsvcs MiniDump rule matches, as JSON lines. */
function evidenceFile(): Buffer {
  const lines = [0, 1, 2].map((n) =>
    JSON.stringify({
      Event: {
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } },
          EventID: 1,
          Channel: 'Microsoft-Windows-Sysmon/Operational',
          Computer: 'upload-host-7.elections.local',
          TimeCreated: { '#attributes': { SystemTime: `2024-11-05T1${n}:00:00.000Z` } },
        },
        EventData: {
          Image: 'C:\\Windows\\System32\\rundll32.exe',
          CommandLine: `C:\\Windows\\System32\\rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 62${n} C:\\Windows\\Temp\\o${n}.bin full`,
          User: 'NT AUTHORITY\\SYSTEM',
          ParentImage: 'C:\\Windows\\System32\\cmd.exe',
        },
      },
    }),
  );
  return Buffer.from(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// Set-up helpers

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm test` builds first; a lone run of this file builds the dashboard when its sources are newer. */
function ensureDashboardBuilt(): string {
  const out = join(projectRoot, 'dist', 'web');
  const outputs = ['index.html', 'style.css', join('app', 'main.js')].map((file) => join(out, file));
  const built = outputs.every((file) => existsSync(file))
    ? Math.min(...outputs.map((file) => statSync(file).mtimeMs))
    : 0;
  if (built < newestMtime(join(projectRoot, 'src', 'web'))) {
    const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(projectRoot, 'tsconfig.web.json')], { stdio: 'inherit' });
    execFileSync(process.execPath, [join(projectRoot, 'scripts', 'copy-web-assets.js')], {
      stdio: 'inherit',
    });
  }
  return out;
}

async function issueToken(store: Store, name: string, role: TokenRole): Promise<string> {
  const token = generateToken();
  await store.createApiToken({ name, role, tokenHash: hashToken(token) });
  return token;
}

interface Seeded {
  readonly credentialTheft: IncidentRecord;
  readonly webShell: IncidentRecord;
  readonly xssAlertId: number;
}

async function seed(store: Store): Promise<Seeded> {
  const hunt = await store.startHunt({ actor: 'seed', paths: ['seed/security.ndjson'] });
  await store.writeAlerts(
    hunt.id,
    Array.from({ length: SEEDED }, (_, index) => seededAlert(index)),
  );
  await store.finishHunt(hunt.id, { status: 'completed', stats: { events: SEEDED, alerts: SEEDED } });

  const onDc01 = await store.listAlerts({ hosts: ['dc01.elections.local'], limit: 500 });
  const onExch01 = await store.listAlerts({ hosts: ['exch01.elections.local'], limit: 500 });
  const xss = onDc01.find((alert) => alert.source.line === 1);
  if (xss === undefined) throw new Error('seeding: the alert with the hostile event is missing');

  const credentialTheft = await store.createIncident(
    { title: XSS_INCIDENT_TITLE, severity: 'critical', groupKey: 'host:dc01.elections.local' },
    'grouper',
  );
  await store.addAlertsToIncident(
    credentialTheft.id,
    onDc01.map((alert) => ({
      alertId: alert.id,
      reason: { text: XSS_REASON, detail: { host: 'dc01.elections.local', windowMinutes: 120 } },
    })),
    'grouper',
  );
  await store.addIncidentNote(credentialTheft.id, 'grouper', XSS_NOTE);

  const webShell = await store.createIncident(
    { title: 'Web shell on exch01', severity: 'high', status: 'triaging', assignee: 'alice' },
    'grouper',
  );
  await store.addAlertsToIncident(
    webShell.id,
    onExch01.slice(0, 10).map((alert) => ({ alertId: alert.id, reason: { text: 'same host exch01' } })),
    'grouper',
  );
  const closed = await store.createIncident({ title: 'Printer noise', severity: 'low' }, 'grouper');
  await store.updateIncident(closed.id, { status: 'closed' }, 'alice');
  return { credentialTheft, webShell, xssAlertId: xss.id };
}

// ---------------------------------------------------------------------------------------------------------

interface Harness {
  readonly dir: string;
  readonly store: Store;
  readonly server: FastifyInstance;
  readonly base: string;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly tokens: Readonly<Record<'admin' | 'analyst' | 'viewer', string>>;
  readonly seeded: Seeded;
  readonly problems: string[];
  /** An ATT&CK catalogue was loaded (names and tactic columns), from the shared corpora. */
  readonly catalogue: boolean;
}

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** Watches a page for script errors and CSP violations (init scripts run outside the page's CSP). */
async function watchPage(context: BrowserContext, problems: string[]): Promise<Page> {
  await context.addInitScript(
    `document.addEventListener('securitypolicyviolation', (event) => {
       (window.__csp ??= []).push(event.violatedDirective + ' ' + event.blockedURI);
     });`,
  );
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Failed requests the test provokes on purpose (a wrong token, a signed-out check) log 401s.
    if (message.type() === 'error' && !/status of 401/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return page;
}

async function api<T>(harness: Harness, path: string): Promise<T> {
  const response = await fetch(`${harness.base}/api/v1${path}`, {
    headers: { Authorization: `Bearer ${harness.tokens.admin}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForURL(/#\/login/);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('main h1:text-is("Overview")');
}

/** Presses `j` until the row is selected (the order is the server's), then returns. */
async function selectRow(page: Page, selector: string, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('j');
    if ((await page.getAttribute(selector, 'aria-selected')) === 'true') return;
  }
  throw new Error(`j never reached ${selector}`);
}

const suiteName = HAVE_CHROMIUM
  ? 'dashboard in a real browser'
  : `dashboard in a real browser (skipped: no chromium at ${CHROMIUM}; install Debian's chromium or set BALLOTGUARD_CHROMIUM)`;

if (!HAVE_CHROMIUM && IN_CI)
  describe('dashboard in a real browser', () => {
    it('needs chromium under CI', () => {
      throw new Error(`no chromium at ${CHROMIUM}; CI must provide it (apt-get install chromium)`);
    });
  });

describe.skipIf(!HAVE_CHROMIUM)(suiteName, () => {
  let harness: Harness;

  beforeAll(async () => {
    const webDir = ensureDashboardBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'bg-dashboard-'));
    const store = await openStore(join(dir, 'ballotguard.db'));
    const seeded = await seed(store);
    const tokens = {
      admin: await issueToken(store, 'root-admin', 'admin'),
      analyst: await issueToken(store, 'alice', 'analyst'),
      viewer: await issueToken(store, 'victor', 'viewer'),
    };
    // The heatmap's tactic columns and technique names need the ATT&CK catalogue; without the shared
    // corpora (outside CI) the dashboard is tested without it, as a fresh install would run.
    const bundle = sharedPath('corpora/attack/enterprise-attack.json');
    const attack = bundle.available
      ? new AttackIndex((await loadAttackBundle(bundle.path)).catalogue)
      : undefined;
    const { hunting, rules } = await dashboardHunting([join(projectRoot, 'rules')]);
    const server = await buildServer({
      store,
      webDir,
      uploadDir: join(dir, 'uploads'),
      alertFeed: { pollMs: 200 },
      rules,
      hunting: { ...hunting, ...(attack !== undefined ? { attack } : {}) },
      ...(attack !== undefined ? { attack } : {}),
    });
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const problems: string[] = [];
    const page = await watchPage(context, problems);
    harness = {
      dir,
      store,
      server,
      base: address,
      browser,
      context,
      page,
      tokens,
      seeded,
      problems,
      catalogue: attack !== undefined,
    };
  });

  afterAll(async () => {
    if (harness === undefined) return;
    await harness.browser.close().catch(() => undefined);
    await harness.server.close();
    await harness.store.close();
    rmSync(harness.dir, { recursive: true, force: true });
  });

  it('refuses a wrong token and signs in with a real one', async () => {
    const { page, base } = harness;
    await page.goto(`${base}/`);
    await page.waitForURL(/#\/login/);
    await shot(page, '01-login');
    await page.fill('#token', `bg_${'A'.repeat(43)}`);
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.form-error')).toContain('not valid');

    await page.fill('#token', harness.tokens.analyst);
    await page.click('button[type=submit]');
    await page.waitForSelector('main h1:text-is("Overview")');
    expect(await page.textContent('#user .user-name')).toBe('alice');
    expect(await page.textContent('#user .role')).toBe('analyst');
    // The overview's charts are drawn from /stats: bars for days, arcs for levels.
    expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(5);
    expect(await page.locator('svg.donut circle.arc').count()).toBe(4);
    await shot(page, '02-overview');
  });

  it('opens an incident from the keyboard and changes its status', async () => {
    const { page, seeded } = harness;
    const id = seeded.credentialTheft.id;
    await page.keyboard.press('g');
    await page.keyboard.press('i');
    await page.waitForSelector('table.incidents tbody tr');
    expect(page.url()).toMatch(/#\/incidents$/);
    // The default tab lists open incidents only: the closed one is not there.
    const titles = await page.locator('table.incidents .title-cell a').allTextContents();
    expect(titles).toContain(XSS_INCIDENT_TITLE);
    expect(titles).toContain('Web shell on exch01');
    expect(titles).not.toContain('Printer noise');
    await shot(page, '03-incidents');

    await selectRow(page, `tr[data-id="${id}"]`);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/incidents/${id}$`));
    await page.waitForSelector('.incident-title');
    expect(await page.textContent('.incident-title')).toBe(XSS_INCIDENT_TITLE);
    // Kill chain by tactic, alerts with the reason they were grouped, the timeline.
    expect(await page.locator('.kill-chain .stage').count()).toBeGreaterThan(0);
    expect(await page.locator('.kill-chain .technique-id').allTextContents()).toContain('T1003.001');
    expect(await page.locator('table.incident-alerts .why').first().textContent()).toContain(XSS_REASON);
    expect(await page.locator('.timeline li').count()).toBeGreaterThan(1);
    expect(await page.locator('.chips .chip-host').first().textContent()).toMatch(/^hostdc01×\d+$/);

    await page.selectOption('#incident-status', 'triaging');
    await page.fill('#status-note', 'looking at the DC now');
    await page.click('#save-status');
    await page.waitForSelector('.incident-meta .status-triaging');
    await shot(page, '04-incident', false);
    const stored = await api<{ status: string; notes: { text: string }[] }>(harness, `/incidents/${id}`);
    expect(stored.status).toBe('triaging');

    // After a reload the session (and its CSRF value) comes back from the cookie: a note can still be added.
    await page.reload();
    await page.waitForSelector('.incident-title');
    expect(await page.inputValue('#incident-status')).toBe('triaging');
    await page.fill('#note-text', 'Isolated dc01 from the network. <script>window.__xss="new-note"</script>');
    await page.click('.note-form button[type=submit]');
    await expect
      .poll(() => page.locator('.note-text').allTextContents())
      .toContain('Isolated dc01 from the network. <script>window.__xss="new-note"</script>');
    const withNote = await api<{ notes: { text: string; author: string }[] }>(harness, `/incidents/${id}`);
    expect(withNote.notes.map((note) => note.author)).toContain('alice');
    // The note field keeps the focus for the next note; Escape leaves it so shortcuts work again.
    expect(await page.evaluate('document.activeElement.id')).toBe('note-text');
    await page.keyboard.press('Escape');
  });

  it('searches alerts with filters, pages with the cursor and shows the raw event', async () => {
    const { page, seeded } = harness;
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await page.waitForSelector('table.alerts tbody tr');
    // 80 seeded alerts: a first page of 50 and a second of 30, through the keyset cursor.
    expect(await page.locator('table.alerts tbody tr').count()).toBe(50);
    await page.keyboard.press('n');
    await expect.poll(() => page.locator('table.alerts tbody tr').count()).toBe(SEEDED - 50);
    await page.keyboard.press('p');
    await expect.poll(() => page.locator('table.alerts tbody tr').count()).toBe(50);

    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement && document.activeElement.name')).toBe('rule');
    // Host names are compared as the store keeps them: first label, any case.
    await page.fill('input[name=host]', 'DC01.elections.local');
    await page.selectOption('select[name=level]', 'critical');
    await page.waitForURL(/level=critical/);
    await page.waitForSelector('table.alerts tbody tr');
    const hosts = await page.locator('table.alerts tbody .chip-host').allTextContents();
    const levels = await page.locator('table.alerts tbody .badge').allTextContents();
    const expected = Array.from({ length: SEEDED }, (_, index) => seededAlert(index)).filter(
      (alert) =>
        alert.rule.level === 'critical' &&
        JSON.stringify(alert.event).includes('"Computer":"dc01.elections.local"'),
    ).length;
    expect(hosts.length).toBe(expected);
    expect(new Set(hosts.map((text) => text.replace(/^host/, '')))).toEqual(new Set(['dc01']));
    expect(new Set(levels)).toEqual(new Set(['critical']));

    await page.click(`table.alerts tr[data-id="${seeded.xssAlertId}"] .title-cell a`);
    await page.waitForSelector('.side-panel .raw-event');
    const raw = await page.textContent('.side-panel .raw-event');
    expect(raw).toContain(JSON.stringify(XSS_EVENT_FIELD).slice(1, -1));
    expect(raw).toContain('"Computer": "dc01.elections.local"');
    expect(page.url()).toContain(`open=${seeded.xssAlertId}`);
    await shot(page, '05-alerts');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.isHidden('.side-panel')).toBe(true);

    // Alerts stored by someone else while the page is open are announced, counted with the page's filters.
    await page.goto(`${harness.base}/#/alerts?host=dc01`);
    await page.waitForSelector('.page-header .live:visible');
    const liveRule = {
      id: 'bg-test-live',
      title: 'Logon from a new country',
      level: 'high',
      tags: [],
      path: 'x.yml',
    } as const;
    await harness.store.writeAlerts(
      null,
      ['dc01.elections.local', 'dc01.elections.local', 'exch01.elections.local'].map((host, n) => ({
        ...seededAlert(0),
        timestamp: `2024-11-20T0${n}:00:00.000Z`,
        rule: liveRule,
        source: { path: 'stream/live.ndjson', format: 'ndjson', line: n + 1 },
        event: {
          Event: { System: { Computer: host, EventID: 4624 }, EventData: { IpAddress: `192.0.2.${n + 1}` } },
        },
      })),
    );
    await expect
      .poll(() => page.textContent('.live-banner:visible'), { timeout: 15_000 })
      .toContain('2 new alerts for this search');
    await page.click('.live-banner button');
    await expect
      .poll(() => page.locator('table.alerts .title-cell').first().textContent())
      .toBe(liveRule.title);
  });

  it('uploads a log file and shows its alerts as the hunt runs', async () => {
    const { page } = harness;
    await page.keyboard.press('g');
    await page.keyboard.press('h');
    await page.waitForSelector('.drop-zone');
    await page.setInputFiles('#hunt-files', {
      name: 'evidence.ndjson',
      mimeType: 'application/x-ndjson',
      buffer: evidenceFile(),
    });
    expect(await page.textContent('.file-list')).toContain('evidence.ndjson');
    await page.click('button:text-is("Upload and hunt")');
    await page.waitForURL(/#\/hunt\/\d+$/);
    const huntId = Number(/#\/hunt\/(\d+)$/.exec(page.url())![1]);
    await page.waitForSelector('#hunt-state .status-completed', { timeout: 30_000 });
    await page.waitForSelector('.hunt-alerts tbody tr');
    expect(await page.locator('.hunt-alerts tbody').textContent()).toContain(
      'LSASS Memory Dump Via Comsvcs MiniDump',
    );
    expect(await page.locator('.hunt-alerts .chip-host').first().textContent()).toBe('hostupload-host-7');
    const uploaded = await page.evaluate(
      `(() => { const bar = document.querySelector('#upload-progress'); return [bar.value, bar.max]; })()`,
    );
    expect((uploaded as number[])[0]).toBe((uploaded as number[])[1]);
    await shot(page, '06-hunt');

    const found = await api<{ items: { host: string | null; rule: { title: string } }[] }>(
      harness,
      `/alerts?hunt=${huntId}`,
    );
    expect(found.items.length).toBeGreaterThan(0);
    expect(found.items.every((alert) => alert.host === 'upload-host-7')).toBe(true);
  });

  it('draws the ATT&CK heatmap and shows help', async () => {
    const { page } = harness;
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    await page.waitForSelector('.heat-cell');
    const lsass = page.locator('.heat-cell[data-technique="T1003.001"]').first();
    expect(await lsass.getAttribute('class')).not.toMatch(/heat-0/);
    expect(await lsass.getAttribute('title')).toMatch(/alerts seen/);
    if (harness.catalogue) {
      // With the catalogue: tactics as columns, techniques named, LSASS Memory under Credential Access.
      const column = page.locator('.heat-col', {
        has: page.locator('.heat-tactic', { hasText: 'Credential Access' }),
      });
      expect(await column.locator('.heat-cell[data-technique="T1003.001"] .heat-name').textContent()).toBe(
        'LSASS Memory',
      );
      expect(await page.locator('.heat-tactic').count()).toBeGreaterThan(5);
    }
    await shot(page, '07-attack');

    await page.keyboard.press('?');
    await page.waitForSelector('dialog#help[open]');
    expect(await page.locator('dialog#help kbd').allTextContents()).toEqual(
      expect.arrayContaining(['/', 'j', 'k', 'Enter', '?', 'g', 'i', 'a']),
    );
    await shot(page, '08-help');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('dialog#help[open]').count()).toBe(0);
  });

  it('never runs hostile data, even with CSP switched off', async () => {
    const { browser, base, seeded, tokens } = harness;
    // bypassCSP: the server's CSP would block inline handlers anyway; here only escaping protects.
    // Dark scheme too, so the artefacts show both colour schemes.
    const context = await browser.newContext({
      bypassCSP: true,
      colorScheme: 'dark',
      viewport: { width: 1440, height: 900 },
    });
    const problems: string[] = [];
    const page = await watchPage(context, problems);
    try {
      await signIn(page, base, tokens.viewer);
      // Each page that shows hostile data, waited for until that data is on screen.
      const visits: [string, string][] = [
        ['#/', 'svg.chart rect.bar'],
        [`#/incidents/${seeded.credentialTheft.id}`, '.note-text'],
        [`#/alerts?open=${seeded.xssAlertId}`, '.side-panel .raw-event'],
        ['#/alerts?rule=LSASS', 'table.alerts tbody tr'],
        ['#/attack', '.heat-cell'],
      ];
      for (const [hash, content] of visits) {
        await page.goto(`${base}/${hash}`);
        await page.waitForSelector(content);
        if (hash.startsWith('#/incidents/')) await shot(page, '10-incident-dark', false);
      }
      await page.goto(`${base}/#/incidents/${seeded.credentialTheft.id}`);
      await page.waitForSelector('.note-text');
      const notes = await page.locator('.note-text').allTextContents();
      expect(notes).toContain(XSS_NOTE);
      // A viewer sees the incident but cannot change it.
      expect(await page.isDisabled('#incident-status')).toBe(true);
      await page.goto(`${base}/#/alerts?host=${encodeURIComponent(XSS_HOST)}`);
      await page.waitForSelector('table.alerts .chip-host');
      expect(await page.textContent('table.alerts .chip-host')).toContain(XSS_HOST);
      await shot(page, '09-hostile-data-as-text');
      expect(await page.evaluate('window.__xss')).toBeUndefined();
      expect(await page.locator('img[src="x"], main script, main svg[onload]').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps to its CSP and signs out', async () => {
    const { page, base } = harness;
    expect(await page.evaluate('window.__csp ?? []')).toEqual([]);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await page.click('#logout');
    await page.waitForURL(/#\/login/);
    await page.waitForSelector('#token');
    const status = await page.evaluate(`fetch('${base}/api/v1/me').then((response) => response.status)`);
    expect(status).toBe(401);
    expect(harness.problems).toEqual([]);
  });
});
