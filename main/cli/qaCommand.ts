import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readFitsImage, toFloat64, type FitsImage } from '../engine/fits/index.js';
import { QA_COLUMNS as COLUMNS, type QaListingRow } from '../common/qaColumns.js';
import { flagSeries, productQa } from '../engine/qa/index.js';
import { collectInputs } from '../services/collectInputs.js';
import { describeError } from '../services/describeError.js';
import { UsageError } from './usage.js';

export interface QaReport {
  products: number;
  flagged: number;
  unreadable: number;
}

/**
 * `aia-studio qa [--csv FILE] [--recursive] FILES_OR_DIRS…`: the QA metrics and flags of level 1.5/1.6
 * products on disk, the same numbers the job computed while making them (the level 1 measurements
 * come from the products' QA_* keywords), one row per product, as a table and optionally CSV.
 */
export async function qaCommand(argv: string[], log: (line: string) => void): Promise<QaReport> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { csv: { type: 'string' }, recursive: { type: 'boolean', default: false } },
  });
  if (positionals.length === 0) throw new UsageError('qa: no product files or folders given');
  const files = await collectInputs(positionals, values.recursive!);
  if (files.length === 0) throw new UsageError('qa: no FITS files found in the folders given');

  const rows: QaListingRow[] = [];
  for (const file of files) rows.push(await judge(file));
  flagSeries(rows.flatMap((r) => (r.qa ? [r.qa] : [])));
  const ordered = sortRows(rows);

  const table = ordered.map(columns);
  if (values.csv !== undefined) await writeFile(values.csv, toCsv(table));
  for (const line of toTable(table)) log(line);
  const report: QaReport = {
    products: rows.filter((r) => r.qa).length,
    flagged: rows.filter((r) => (r.qa?.flags.length ?? 0) > 0).length,
    unreadable: rows.filter((r) => r.error).length,
  };
  log(
    `${report.products} products, ${report.flagged} flagged` +
      (report.unreadable ? `, ${report.unreadable} could not be read` : '') +
      (values.csv !== undefined ? `; CSV in ${values.csv}` : ''),
  );
  return report;
}

async function judge(file: string): Promise<QaListingRow> {
  try {
    const image = readFitsImage(await readFile(file));
    const level = image.header.number('LVL_NUM');
    if (level === undefined || level < 1.5)
      return { file, error: `not a level 1.5/1.6 product (LVL_NUM = ${level ?? 'missing'})` };
    const data = floatPixels(image);
    let missing = 0;
    for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) missing++;
    const qa = productQa(image.header, data, image.width, image.height, missing);
    return { file, qa };
  } catch (error) {
    return { file, error: describeError(error) };
  }
}

/** The product's values: float samples as they are, anything else scaled with BLANK as NaN. */
function floatPixels(image: FitsImage): Float32Array | Float64Array {
  const { raw, bscale, bzero } = image;
  if ((raw instanceof Float32Array || raw instanceof Float64Array) && bscale === 1 && bzero === 0) return raw;
  return toFloat64(image, { blank: 'nan' });
}

/** Channel, then level, then time: a series reads top to bottom; unreadable files last. */
function sortRows(rows: QaListingRow[]): QaListingRow[] {
  const key = (r: QaListingRow) =>
    [r.qa ? 0 : 1, r.qa?.channel ?? 0, r.qa?.level ?? 0, r.qa?.tObs ?? '', r.file] as const;
  return [...rows].sort((a, b) => {
    const [p, q] = [key(a), key(b)];
    for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return p[i] < q[i] ? -1 : 1;
    return 0;
  });
}

function columns(row: QaListingRow): string[] {
  return COLUMNS.map((c) => String(c.value(row) ?? ''));
}

function toCsv(rows: string[][]): string {
  const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  return [COLUMNS.map((c) => c.name), ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
}

/** Aligned columns (the brief ones); flags and errors, the last columns, run on unpadded. */
function toTable(rows: string[][]): string[] {
  const shown = COLUMNS.flatMap((c, i) => (c.brief ? [i] : []));
  const lines = [COLUMNS.map((c) => c.name), ...rows].map((r) => shown.map((i) => r[i]));
  const widths = shown.map((_, k) => Math.max(...lines.map((l) => l[k].length)));
  return lines.map((l) =>
    l
      .map((cell, k) => (k < l.length - 2 ? cell.padEnd(widths[k]) : cell))
      .join('  ')
      .trimEnd(),
  );
}
