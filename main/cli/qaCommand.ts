import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readFitsImage, toFloat64, type FitsImage } from '../engine/fits/index.js';
import { flagSeries, productQa, type ProductQa } from '../engine/qa/index.js';
import { collectInputs } from '../services/collectInputs.js';
import { describeError } from '../services/describeError.js';
import { UsageError } from './usage.js';

/** One product on disk: its QA, or why it could not be judged. */
interface QaRow {
  file: string;
  qa?: ProductQa;
  /** CDELT1: products of one channel are compared for sharpness only at the same scale. */
  scale?: number;
  error?: string;
}

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

  const rows: QaRow[] = [];
  for (const file of files) rows.push(await judge(file));
  flagSeries(rows.flatMap((r) => (r.qa ? [{ qa: r.qa, scale: r.scale }] : [])));
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

async function judge(file: string): Promise<QaRow> {
  try {
    const image = readFitsImage(await readFile(file));
    const level = image.header.number('LVL_NUM');
    if (level === undefined || level < 1.5)
      return { file, error: `not a level 1.5/1.6 product (LVL_NUM = ${level ?? 'missing'})` };
    const data = floatPixels(image);
    let missing = 0;
    for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) missing++;
    const qa = productQa(image.header, data, image.width, image.height, missing);
    return { file, qa, scale: image.header.number('CDELT1') };
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
function sortRows(rows: QaRow[]): QaRow[] {
  const key = (r: QaRow) =>
    [r.qa ? 0 : 1, r.qa?.channel ?? 0, r.qa?.level ?? 0, r.qa?.tObs ?? '', r.file] as const;
  return [...rows].sort((a, b) => {
    const [p, q] = [key(a), key(b)];
    for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return p[i] < q[i] ? -1 : 1;
    return 0;
  });
}

type Cell = string | number | undefined;

const fixed = (x: number | undefined, digits: number) =>
  x === undefined ? undefined : Number(x.toFixed(digits));
const precise = (x: number | undefined) => (x === undefined ? undefined : Number(x.toPrecision(4)));

/** The CSV columns, in order; the table shows the ones marked `brief`. */
const COLUMNS: { name: string; brief?: boolean; value: (r: QaRow) => Cell }[] = [
  { name: 'file', brief: true, value: (r) => r.file },
  { name: 'channel', brief: true, value: (r) => r.qa?.channel },
  { name: 'level', brief: true, value: (r) => r.qa?.level },
  { name: 't_obs', brief: true, value: (r) => r.qa?.tObs },
  { name: 'exptime_s', value: (r) => r.qa?.exposure.seconds },
  { name: 'exposure_ratio', brief: true, value: (r) => fixed(r.qa?.exposure.ratio, 3) },
  { name: 'quality', brief: true, value: (r) => r.qa?.quality?.value },
  { name: 'quality_words', value: (r) => r.qa?.quality?.words.join(', ') },
  { name: 'missing_product', value: (r) => precise(r.qa?.missing.product) },
  { name: 'missing_disk_level1', brief: true, value: (r) => precise(r.qa?.missing.level1Disk) },
  { name: 'missing_disk_product', value: (r) => precise(r.qa?.missing.productDisk) },
  { name: 'missing_level1', value: (r) => precise(r.qa?.missing.level1) },
  { name: 'missvals_share', value: (r) => precise(r.qa?.missing.header) },
  { name: 'saturated_pixels', brief: true, value: (r) => r.qa?.saturation.pixels },
  { name: 'bleed_columns', value: (r) => r.qa?.saturation.bleedColumns },
  { name: 'saturation_dn', value: (r) => r.qa?.saturation.thresholdDn },
  { name: 'nsatpix', value: (r) => r.qa?.saturation.headerCount },
  { name: 'pointing_update_arcsec', value: (r) => fixed(r.qa?.pointing.updateShiftArcsec, 2) },
  { name: 'rsun_obs_arcsec', value: (r) => fixed(r.qa?.pointing.rsunObs, 3) },
  { name: 'rsun_expected_arcsec', value: (r) => fixed(r.qa?.pointing.rsunExpected, 3) },
  { name: 'limb_offset_arcsec', brief: true, value: (r) => fixed(r.qa?.pointing.limbOffsetArcsec, 2) },
  { name: 'limb_radius_ratio', value: (r) => fixed(r.qa?.pointing.limbRadiusRatio, 4) },
  { name: 'sharpness', brief: true, value: (r) => precise(r.qa?.sharpness) },
  {
    name: 'flags',
    brief: true,
    value: (r) => r.qa?.flags.map((f) => `${f.metric}: ${f.reason}`).join('; '),
  },
  { name: 'error', brief: true, value: (r) => r.error },
];

function columns(row: QaRow): string[] {
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
