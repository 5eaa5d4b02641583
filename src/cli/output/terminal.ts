/** Terminal helpers: colour only on a TTY (and never with NO_COLOR), and a progress line on stderr. */
import type { WriteStream } from 'node:tty';

export function colourEnabled(stream: NodeJS.WritableStream): boolean {
  return (
    Boolean((stream as Partial<WriteStream>).isTTY) &&
    process.env['NO_COLOR'] === undefined &&
    process.env['TERM'] !== 'dumb'
  );
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(enabled: boolean, colour: Colour, text: string): string {
  return enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

export const LEVEL_COLOURS: Readonly<Record<string, Colour>> = {
  critical: 'magenta',
  high: 'red',
  medium: 'yellow',
  low: 'cyan',
  informational: 'grey',
};

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A single self-overwriting progress line; does nothing unless enabled (stderr is a TTY, not --quiet). */
export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly enabled: boolean,
  ) {}

  update(render: () => string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const columns = (this.stream as Partial<WriteStream>).columns ?? 100;
    this.stream.write(`\r\u001b[2K${render().slice(0, Math.max(20, columns - 1))}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
