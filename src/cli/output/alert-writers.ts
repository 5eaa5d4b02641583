/**
 * Alert output formats (CONTRACTS.md): ndjson (one alert per line), json (an array of the same objects),
 * csv (one row per alert, the event as JSON), table (for people; colour on a TTY). All stream: nothing is
 * held back except what a format needs to close.
 */
import { basename } from 'node:path';
import type { Alert } from '../../events/event.js';
import { EventView } from '../../events/field-resolver.js';
import { LEVEL_COLOURS, paint } from './terminal.js';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface AlertWriter {
  write(alert: Alert): void;
  /** Writes whatever closes the document (e.g. `]`). */
  end(): void;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function hostOf(alert: Alert): string {
  const event = alert.event;
  if (typeof event !== 'object' || event === null) return '';
  const view = new EventView(event as Record<string, unknown>);
  const host =
    view.get('Computer') ??
    view.get('host.name') ??
    view.get('hostname') ??
    view.get('host') ??
    view.get('s-computername');
  return typeof host === 'string' ? host : '';
}

function position(alert: Alert): string {
  const source = alert.source;
  if (source.line !== undefined) return `${source.path}:${source.line}`;
  if (source.record !== undefined) return `${source.path}#${source.record}`;
  return source.path;
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

export function createAlertWriter(
  format: OutputFormat,
  write: (text: string) => void,
  colour: boolean,
): AlertWriter {
  switch (format) {
    case 'ndjson':
      return { write: (alert) => write(`${JSON.stringify(alert)}\n`), end: () => undefined };
    case 'json': {
      let first = true;
      return {
        write: (alert) => {
          write(`${first ? '[\n' : ',\n'}${JSON.stringify(alert)}`);
          first = false;
        },
        end: () => write(first ? '[]\n' : '\n]\n'),
      };
    }
    case 'csv': {
      write('timestamp,level,rule_id,rule_title,tags,host,path,line,record,event\n');
      return {
        write: (alert) => {
          const row = [
            alert.timestamp,
            alert.rule.level,
            alert.rule.id,
            alert.rule.title,
            alert.rule.tags.join(' '),
            hostOf(alert),
            alert.source.path,
            alert.source.line === undefined ? '' : String(alert.source.line),
            alert.source.record === undefined ? '' : String(alert.source.record),
            JSON.stringify(alert.event),
          ];
          write(`${row.map(csvField).join(',')}\n`);
        },
        end: () => undefined,
      };
    }
    case 'table': {
      let header = false;
      return {
        write: (alert) => {
          if (!header) {
            write(
              `${paint(colour, 'bold', `${fit('TIME', 27)} ${fit('LEVEL', 13)} ${fit('RULE', 56)} ${fit('HOST', 22)} SOURCE`)}\n`,
            );
            header = true;
          }
          const level = paint(colour, LEVEL_COLOURS[alert.rule.level] ?? 'grey', fit(alert.rule.level, 13));
          const where = position(alert);
          write(
            `${fit(alert.timestamp, 27)} ${level} ${fit(alert.rule.title, 56)} ${fit(hostOf(alert), 22)} ${basename(where)}\n`,
          );
        },
        end: () => {
          if (!header) write('No alerts.\n');
        },
      };
    }
  }
}
