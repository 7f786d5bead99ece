import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appRoot } from '../appPaths.js';
import type { Thresholds } from '../common/benchTargets.js';
import type { HistoryRecord } from '../../bench/record.js';
import type { BenchHistory } from '../contract/index.js';

/**
 * The bench/ folder beside the app: the checkout's, whether it runs from the sources (main/services)
 * or the build (dist/main/services). An installed app has none, and its history is empty.
 */
export function appBenchDir(): string {
  return join(appRoot(), 'bench');
}

/**
 * The benchmark history for the Performance view (format: docs/benchmarks.md). A line that is not a
 * record (cut short by a crashed bench, a merge conflict) is skipped, so one bad line does not hide
 * the rest of the history.
 */
export async function readBenchHistory(benchDir: string): Promise<BenchHistory> {
  const history = await readIfPresent(join(benchDir, 'history.jsonl'));
  const records = (history ?? '').split('\n').flatMap((line) => {
    const record = parseJson(line) as Partial<HistoryRecord> | undefined;
    if (!isRecord(record)) return [];
    delete record.profiles;
    return [record];
  });
  const thresholds = parseJson((await readIfPresent(join(benchDir, 'thresholds.json'))) ?? '') as
    Partial<Thresholds> | undefined;
  // A broken thresholds file leaves the chart without its target lines, not without its history.
  const valid = Array.isArray(thresholds?.targets) && typeof thresholds.regression === 'object';
  return { records, ...(valid && { thresholds: thresholds as Thresholds }) };
}

function isRecord(value: Partial<HistoryRecord> | undefined): value is HistoryRecord {
  return (
    typeof value?.date === 'string' &&
    !Number.isNaN(Date.parse(value.date)) &&
    Array.isArray(value.rows) &&
    typeof value.machine?.key === 'string'
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
