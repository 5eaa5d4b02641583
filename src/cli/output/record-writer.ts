/**
 * Writes a stream of stored records (alerts, incidents) in one of the tabular formats, one record at a
 * time, so a listing of any length needs no more memory than one page: NDJSON one object a line, JSON one
 * array, CSV with a header, and an aligned table for people.
 */
import type { OutputFormat } from './alert-writers.js';
import { csvField } from './alert-writers.js';

export interface RecordLayout<T> {
  /** Comma-separated column names. */
  readonly csvHeader: string;
  readonly csvRow: (record: T) => readonly string[];
  /** The table's heading line, without the newline; `colour` is on only for a terminal. */
  readonly tableHeader: (colour: boolean) => string;
  readonly tableRow: (record: T, colour: boolean) => string;
  /** What the table says when there is nothing, e.g. `No alerts.` */
  readonly none: string;
}

export interface RecordWriter<T> {
  write(record: T): void;
  /** Closes the JSON array, or says there was nothing. */
  end(): void;
}

export function createRecordWriter<T>(
  format: OutputFormat,
  write: (text: string) => void,
  colour: boolean,
  layout: RecordLayout<T>,
): RecordWriter<T> {
  let count = 0;
  return {
    write(record: T): void {
      switch (format) {
        case 'ndjson':
          write(`${JSON.stringify(record)}\n`);
          break;
        case 'json':
          write(`${count === 0 ? '[\n' : ',\n'}${JSON.stringify(record)}`);
          break;
        case 'csv':
          if (count === 0) write(`${layout.csvHeader}\n`);
          write(`${layout.csvRow(record).map(csvField).join(',')}\n`);
          break;
        case 'table':
          if (count === 0) write(`${layout.tableHeader(colour)}\n`);
          write(`${layout.tableRow(record, colour)}\n`);
          break;
      }
      count++;
    },
    end(): void {
      if (format === 'json') write(count === 0 ? '[]\n' : '\n]\n');
      if (format === 'csv' && count === 0) write(`${layout.csvHeader}\n`);
      if (format === 'table' && count === 0) write(`${layout.none}\n`);
    },
  };
}
