/**
 * CSV as RFC 4180 writes it (quoted fields, "" inside quotes, CRLF or LF,
 * a byte order mark at the start): rows of fields, with the line each row
 * starts on for messages. Pure; a quote left open is reported, not guessed.
 */
export interface CsvRow {
  readonly line: number;
  readonly fields: string[];
}

export function parseCsv(text: string): { rows: CsvRow[]; error?: string } {
  const input = text.replace(/^\uFEFF/, "");
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && input[i + 1] === "\n") i++;
      fields.push(field);
      rows.push({ line: rowLine, fields });
      fields = [];
      field = "";
      line++;
      rowLine = line;
    } else field += c;
  }
  if (quoted) return { rows, error: `a quoted field opened on line ${rowLine} is never closed` };
  if (field !== "" || fields.length > 0) rows.push({ line: rowLine, fields: [...fields, field] });
  return { rows };
}
