/**
 * Hunt through uploaded logs: pick or drop files, watch the upload (XHR progress), then the hunt itself
 * (server-sent `progress` events) and its alerts arriving. If the event stream is unavailable the page
 * polls the hunt instead, so progress never silently stops.
 */
import { api, errorMessage } from '../api.js';
import { h, mount } from '../dom.js';
import { formatBytes, formatCount } from '../format.js';
import { buildHash, idParam } from '../route.js';
import type { ViewContext } from '../router.js';
import type { AlertPage, HuntProgress, HuntState } from '../types.js';
import {
  alertChips,
  emptyState,
  errorBox,
  levelBadge,
  loading,
  pageHeader,
  statusBadge,
  timeAgo,
  toast,
} from '../ui.js';

const LIVE_ALERTS = 100;
const REFRESH_MS = 1000;
const POLL_MS = 1500;

/** Queued hunts wait behind the running one; both are still to finish. */
function active(status: string): boolean {
  return status === 'running' || status === 'queued';
}

function progressOf(state: HuntState | HuntProgress | undefined): HuntProgress {
  if (state === undefined) return {};
  if ('status' in state) return state.progress ?? statsProgress(state.stats);
  return state;
}

const PHASE_TEXT: Readonly<Record<string, string>> = {
  queued: 'waiting for the hunt before it…',
  hunting: 'hunting…',
  grouping: 'grouping alerts into incidents…',
  done: 'finishing…',
};

/** A finished hunt's statistics, read as progress where the names agree. */
function statsProgress(stats: Readonly<Record<string, unknown>> | null | undefined): HuntProgress {
  if (stats === null || stats === undefined) return {};
  const num = (key: string): number | undefined => (typeof stats[key] === 'number' ? stats[key] : undefined);
  const out: { -readonly [K in keyof HuntProgress]: HuntProgress[K] } = {};
  const events = num('events') ?? num('eventsRead');
  const alerts = num('alerts') ?? num('alertsWritten');
  const bytes = num('bytes') ?? num('bytesRead');
  const files = num('files');
  if (events !== undefined) out.events = events;
  if (alerts !== undefined) out.alerts = alerts;
  if (bytes !== undefined) out.bytes = bytes;
  if (files !== undefined) out.files = files;
  return out;
}

function recentHunts(items: readonly HuntState[]): HTMLElement {
  if (items.length === 0) return emptyState('No hunts yet.');
  return h(
    'table',
    { class: 'list hunts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Hunt', 'Status', 'By', 'Started', 'Inputs'].map((label) => h('th', { scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      { 'data-nav-list': true },
      items.map((hunt) =>
        h(
          'tr',
          { 'data-nav-item': true },
          h('td', {}, h('a', { href: `#/hunt/${hunt.id}`, 'data-open': true }, `#${hunt.id}`)),
          h('td', {}, statusBadge(hunt.status)),
          h('td', {}, hunt.actor ?? '–'),
          h('td', {}, timeAgo(hunt.startedAt)),
          h('td', { class: 'paths' }, (hunt.paths ?? []).join(', ')),
        ),
      ),
    ),
  );
}

/** The upload form; resolves to nothing, calls `started(id)` once the server accepted the files. */
function uploadForm(context: ViewContext, started: (id: number) => void): HTMLElement {
  let files: File[] = [];
  const picker = h('input', {
    type: 'file',
    id: 'hunt-files',
    name: 'file',
    multiple: true,
    class: 'file-input',
  });
  const list = h('ul', { class: 'file-list' });
  const start = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Upload and hunt');
  const bar = h('progress', {
    id: 'upload-progress',
    max: 1,
    value: 0,
    hidden: true,
    'aria-label': 'Upload progress',
  });
  const status = h('p', { class: 'upload-status', role: 'status' });
  const choose = (chosen: readonly File[]): void => {
    files = [...chosen];
    mount(
      list,
      files.map((file) =>
        h('li', {}, file.name, h('span', { class: 'muted' }, ` ${formatBytes(file.size)}`)),
      ),
    );
    start.disabled = files.length === 0 || !api.canWrite;
  };
  picker.addEventListener('change', () => choose([...(picker.files ?? [])]));
  const zone = h(
    'label',
    { class: 'drop-zone', for: 'hunt-files' },
    h('strong', {}, 'Drop log files here'),
    h('span', {}, ' or click to choose (EVTX, JSON lines, syslog, W3C/IIS, CSV; .gz is fine)'),
  );
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    choose([...(event.dataTransfer?.files ?? [])]);
  });
  const form = h(
    'form',
    {
      class: 'upload',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        if (files.length === 0) return;
        start.disabled = true;
        bar.hidden = false;
        bar.value = 0;
        const total = files.reduce((sum, file) => sum + file.size, 0);
        status.textContent = `Uploading ${formatBytes(total)}…`;
        api
          .uploadHunt(
            files,
            (sent, size) => {
              bar.max = size;
              bar.value = sent;
              status.textContent = `Uploading: ${formatBytes(sent)} of ${formatBytes(size)}`;
            },
            context.signal,
          )
          .then(({ id }) => {
            bar.value = bar.max;
            status.textContent = `Uploaded. Hunt #${id} started.`;
            started(id);
          })
          .catch((error: unknown) => {
            status.textContent = `Upload failed: ${errorMessage(error)}`;
            start.disabled = false;
          });
      },
    },
    picker,
    zone,
    list,
    h('div', { class: 'upload-actions' }, start, bar),
    status,
    api.canWrite ? null : h('p', { class: 'muted' }, 'Read-only: a viewer token cannot start hunts.'),
  );
  return form;
}

/** Shows one hunt's progress and alerts, live while it runs; `ended` runs once it has finished. */
function watchHunt(context: ViewContext, id: number, into: HTMLElement, ended: () => void): void {
  const state = h('p', { class: 'hunt-state', id: 'hunt-state', role: 'status' }, loading('Connecting…'));
  const bar = h('progress', { id: 'hunt-progress', max: 1, 'aria-label': 'Hunt progress' });
  const counters = h('dl', { class: 'counters' });
  const alerts = h('div', { class: 'hunt-alerts' });
  mount(
    into,
    h('h2', {}, `Hunt #${id}`),
    state,
    bar,
    counters,
    h(
      'h3',
      {},
      'Alerts found ',
      h('a', { href: buildHash('/alerts', { hunt: String(id) }), class: 'small' }, 'open in alert search'),
    ),
    alerts,
  );

  let finished = false;
  let lastRefresh = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  const show = (status: string, progress: HuntProgress, error?: string): void => {
    mount(
      state,
      statusBadge(status),
      active(status) ? ` ${PHASE_TEXT[progress.phase ?? 'hunting'] ?? ''}` : '',
      active(status) && progress.file !== undefined && progress.file !== null
        ? h('span', { class: 'muted' }, ` ${progress.file}`)
        : null,
      error !== undefined ? h('span', { class: 'form-error' }, ` ${error}`) : null,
    );
    if (progress.totalBytes !== undefined && progress.totalBytes > 0) {
      bar.max = progress.totalBytes;
      bar.value = Math.min(progress.bytes ?? 0, progress.totalBytes);
    } else if (!active(status)) {
      bar.max = 1;
      bar.value = 1;
    } else bar.removeAttribute('value'); // indeterminate
    const item = (label: string, value: string): HTMLElement[] => [h('dt', {}, label), h('dd', {}, value)];
    mount(
      counters,
      item('events', formatCount(progress.events ?? 0)),
      item('alerts', formatCount(progress.alerts ?? 0)),
      item(
        'files',
        `${formatCount(progress.files ?? 0)}${progress.totalFiles !== undefined ? ` of ${formatCount(progress.totalFiles)}` : ''}`,
      ),
      item(
        'read',
        `${formatBytes(progress.bytes ?? 0)}${progress.totalBytes !== undefined ? ` of ${formatBytes(progress.totalBytes)}` : ''}`,
      ),
    );
  };

  const loadAlerts = async (): Promise<void> => {
    lastRefresh = Date.now();
    const page = await api.get<AlertPage>('/alerts', { hunt: id, limit: LIVE_ALERTS }, context.signal);
    if (context.signal.aborted) return;
    if (page.items.length === 0) {
      mount(alerts, emptyState(finished ? 'This hunt found no alerts.' : 'No alerts yet.'));
      return;
    }
    mount(
      alerts,
      h(
        'table',
        { class: 'list alerts live' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Level', 'Rule', 'Entities', 'Count'].map((label) => h('th', { scope: 'col' }, label)),
          ),
        ),
        h(
          'tbody',
          { 'data-nav-list': true },
          page.items.map((alert) =>
            h(
              'tr',
              { 'data-nav-item': true, class: `sev-row sev-${alert.rule.level}` },
              h('td', {}, levelBadge(alert.rule.level)),
              h(
                'td',
                {},
                h(
                  'a',
                  {
                    href: buildHash('/alerts', { hunt: String(id), open: String(alert.id) }),
                    'data-open': true,
                  },
                  alert.rule.title,
                ),
              ),
              h('td', {}, alertChips(alert)),
              h('td', { class: 'num' }, formatCount(alert.count)),
            ),
          ),
        ),
      ),
      page.next !== null
        ? h('p', { class: 'muted' }, `Showing the latest ${LIVE_ALERTS}; see all in alert search.`)
        : null,
    );
  };

  const refreshAlerts = (): void => {
    if (refreshTimer !== undefined) return;
    const wait = Math.max(0, REFRESH_MS - (Date.now() - lastRefresh));
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      loadAlerts().catch((error: unknown) => {
        if (!context.signal.aborted) mount(alerts, errorBox(error));
      });
    }, wait);
  };

  const finish = (hunt: HuntState | undefined): void => {
    if (finished) return;
    finished = true;
    if (hunt !== undefined) show(hunt.status, progressOf(hunt), hunt.error);
    if (refreshTimer !== undefined) clearTimeout(refreshTimer);
    refreshTimer = undefined;
    loadAlerts().catch((error: unknown) => {
      if (!context.signal.aborted) mount(alerts, errorBox(error));
    });
    if (hunt !== undefined) toast(`Hunt #${id} ${hunt.status}`, hunt.status === 'completed' ? 'ok' : 'error');
    ended();
  };

  const poll = (): void => {
    if (finished || context.signal.aborted) return;
    api
      .get<HuntState>(`/hunts/${id}`, undefined, context.signal)
      .then((hunt) => {
        if (active(hunt.status)) {
          show(hunt.status, progressOf(hunt));
          refreshAlerts();
          setTimeout(poll, POLL_MS);
        } else finish(hunt);
      })
      .catch((error: unknown) => {
        if (!context.signal.aborted) mount(state, errorBox(error));
      });
  };

  const listen = (): void => {
    const stream = api.events(`/hunts/${id}/events`);
    context.signal.addEventListener('abort', () => stream.close());
    stream.addEventListener('progress', (event: MessageEvent<string>) => {
      try {
        const progress = JSON.parse(event.data) as HuntProgress;
        show(progress.phase === 'queued' ? 'queued' : 'running', progress);
      } catch {
        return;
      }
      refreshAlerts();
    });
    stream.addEventListener('done', (event: MessageEvent<string>) => {
      stream.close();
      // The final hunt record, bare or as `{hunt, error}`.
      let hunt: HuntState | undefined;
      try {
        const data = JSON.parse(event.data) as (HuntState & { hunt?: HuntState }) | null;
        hunt =
          data?.hunt !== undefined
            ? { ...data.hunt, ...(data.error !== undefined ? { error: data.error } : {}) }
            : (data ?? undefined);
      } catch {
        hunt = undefined;
      }
      if (hunt !== undefined && typeof hunt.status === 'string' && !active(hunt.status))
        finish({ ...hunt, id });
      else poll();
    });
    stream.addEventListener('error', () => {
      // A closed stream (refused, or ended by the server): ask the hunt itself how it went.
      if (stream.readyState === EventSource.CLOSED && !finished) poll();
      else if (stream.readyState !== EventSource.CLOSED && finished) stream.close();
    });
  };

  api
    .get<HuntState>(`/hunts/${id}`, undefined, context.signal)
    .then((hunt) => {
      if (context.signal.aborted) return;
      if (active(hunt.status)) {
        show(hunt.status, progressOf(hunt));
        refreshAlerts();
        listen();
      } else finish(hunt);
    })
    .catch((error: unknown) => {
      if (!context.signal.aborted) mount(state, errorBox(error));
    });
}

export async function huntView(context: ViewContext): Promise<void> {
  const watched = idParam(context.params.id);
  const live = h('section', { class: 'panel hunt-live', hidden: watched === undefined });
  const recent = h('section', { class: 'panel' }, h('h2', {}, 'Recent hunts'), loading());
  const loadRecent = async (): Promise<void> => {
    try {
      const hunts = await api.get<{ items: HuntState[] }>('/hunts', { limit: 10 }, context.signal);
      if (!context.signal.aborted) mount(recent, h('h2', {}, 'Recent hunts'), recentHunts(hunts.items));
    } catch (error) {
      if (!context.signal.aborted) mount(recent, h('h2', {}, 'Recent hunts'), errorBox(error));
    }
  };
  const refreshRecent = (): void => void loadRecent();
  mount(
    context.root,
    pageHeader('Hunt'),
    h(
      'div',
      { class: 'grid-2' },
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Upload logs'),
        uploadForm(context, (id) => {
          context.replace(`#/hunt/${id}`);
          live.hidden = false;
          watchHunt(context, id, live, refreshRecent);
          refreshRecent();
        }),
      ),
      live,
    ),
    recent,
  );
  if (watched !== undefined) watchHunt(context, watched, live, refreshRecent);
  await loadRecent();
}
