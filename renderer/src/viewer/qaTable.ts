import {
  QA_COLUMNS,
  QA_NUMERIC_COLUMNS,
  type QaCell,
  type QaColumn,
} from '../../../main/common/qaColumns.js';
import type { ProductQaRow } from '../api/appApi.js';
import { parseObsTime } from './observationSeries.js';

/** The QA view's columns: the short listing of `aia-studio qa` (same names, same rounding), no error column. */
export const QA_TABLE_COLUMNS: QaColumn[] = QA_COLUMNS.filter((c) => c.brief && c.name !== 'error');

/** The metrics a series plot can show, by their CSV names. */
export const QA_PLOT_METRICS = QA_NUMERIC_COLUMNS;

export interface QaSort {
  column: string;
  descending: boolean;
}

/** A row's cell under a column, as the CLI's CSV writes it ('' for none). */
export function qaCell(row: ProductQaRow, column: QaColumn): QaCell {
  return column.value({ file: row.path, qa: row.qa });
}

/** The rows sorted by one column: numbers as numbers, empty cells last whichever the direction. */
export function sortQaRows(rows: readonly ProductQaRow[], sort: QaSort): ProductQaRow[] {
  const column = QA_COLUMNS.find((c) => c.name === sort.column) ?? QA_COLUMNS[0];
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const [x, y] = [qaCell(a, column), qaCell(b, column)];
    const [blankX, blankY] = [x === undefined || x === '', y === undefined || y === ''];
    if (blankX || blankY) return Number(blankX) - Number(blankY);
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * order || a.path.localeCompare(b.path);
  });
}

/** One point of a metric's plot: a product at its T_OBS. */
export interface QaPoint {
  row: ProductQaRow;
  ms: number;
  value: number;
  flagged: boolean;
}

/** Each channel and level's products as a line of points in time order (points without the metric left out). */
export function qaPlotLines(
  rows: readonly ProductQaRow[],
  metric: string,
): { key: string; points: QaPoint[] }[] {
  const column = QA_COLUMNS.find((c) => c.name === metric);
  const lines = new Map<string, QaPoint[]>();
  if (!column) return [];
  for (const row of rows) {
    const value = qaCell(row, column);
    const ms = row.qa.tObs === undefined ? undefined : parseObsTime(row.qa.tObs);
    if (typeof value !== 'number' || !Number.isFinite(value) || ms === undefined) continue;
    const key = `${row.qa.channel} Å · level ${row.level}`;
    lines.set(key, [...(lines.get(key) ?? []), { row, ms, value, flagged: row.qa.flags.length > 0 }]);
  }
  return [...lines.entries()]
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([key, points]) => ({ key, points: points.sort((p, q) => p.ms - q.ms) }));
}
