/**
 * CSV as RFC 4180 writes it (quoted fields, "" inside quotes, CRLF, LF or CR,
 * a byte order mark at the start), read by csv-parse: rows of fields, with the
 * line each row starts on for messages. A quote left open is reported, not
 * guessed. The file comes from a server: rows and their size are capped far
 * above any real list, so a hostile one costs bounded memory.
 */
import { CsvError, parse } from "csv-parse/sync";

/** Rows read at most; the IFTAS list has a few thousand. */
export const MAX_CSV_ROWS = 100_000;
/** The longest row, in characters. */
export const MAX_CSV_ROW = 64 * 1024;
/**
 * Commas in the whole file at most (quoted ones too): csv-parse's row cap counts the characters of
 * fields, not how many there are, and a file of nothing but commas would become millions of them.
 */
export const MAX_CSV_COMMAS = 1_000_000;

function commas(text: string, limit: number): number {
  let count = 0;
  for (let at = text.indexOf(","); at !== -1 && count <= limit; at = text.indexOf(",", at + 1)) count++;
  return count;
}

export interface CsvRow {
  readonly line: number;
  readonly fields: string[];
}

export function parseCsv(text: string): { rows: CsvRow[]; error?: string } {
  if (commas(text, MAX_CSV_COMMAS) > MAX_CSV_COMMAS) return { rows: [], error: `more than ${MAX_CSV_COMMAS} commas` };
  const rows: CsvRow[] = [];
  // csv-parse counts the line a record ends on, and the empty lines skipped so far.
  let ended = 0;
  let emptyBefore = 0;
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n", "\r"],
      max_record_size: MAX_CSV_ROW,
      to: MAX_CSV_ROWS + 1,
      on_record: (record: string[], info) => {
        rows.push({ line: ended + (info.empty_lines - emptyBefore) + 1, fields: record });
        ended = info.lines;
        emptyBefore = info.empty_lines;
        return null;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    if (err.code === "CSV_QUOTE_NOT_CLOSED") return { rows, error: `the row starting on line ${ended + 1} has a quoted field that is never closed` };
    if (err.code === "CSV_MAX_RECORD_SIZE") return { rows, error: `the row after line ${ended} is longer than ${MAX_CSV_ROW} characters` };
    return { rows, error: err.message };
  }
  if (rows.length > MAX_CSV_ROWS) return { rows: rows.slice(0, MAX_CSV_ROWS), error: `more than ${MAX_CSV_ROWS} rows` };
  return { rows };
}
