import { peerRatioTargetFor, targetFor, type Thresholds } from '../main/common/benchTargets.js';
import type { BenchRow } from './benchSupport.js';
import type { HistoryRecord } from './record.js';

export { peerRatioTargetFor, targetFor, type Thresholds };

/** ours / peer, when the row has a peer timed in its run. */
export const peerRatio = (row: BenchRow) => (row.peer ? row.ours / row.peer.seconds : undefined);

/** The bench name of the peer libraries' own rows (bench/peers.ts). */
export const PEERS_BENCH = 'peers';

/** What identifies a figure across records: the same measurement of the same input on the same backend. */
export const rowKey = (r: BenchRow) => `${r.bench} | ${r.case} | ${r.backend} | ${r.metric}`;

export type Verdict = 'ok' | 'new' | 'missed target' | 'regression' | 'missed target, regression';

/** How a row with a peer ratio target stands against its peer. */
export type PeerVerdict = 'met' | 'missed' | 'no peer';

/** One row of the last record, judged. */
export interface CheckedRow {
  row: BenchRow;
  target?: number;
  /** Median of the same row over the earlier records of the same machine. */
  baseline?: number;
  /** ours / baseline − 1. */
  change?: number;
  verdict: Verdict;
  /** The ratio target ours / peer and, where the peer was timed, the ratio; 'no peer' is not a failure. */
  peerRatioTarget?: number;
  peerRatio?: number;
  peerVerdict?: PeerVerdict;
}

export interface CheckResult {
  record: HistoryRecord;
  /** How many earlier records of the same machine made the baseline. */
  baselineRecords: number;
  rows: CheckedRow[];
  /** Cases the run could not measure: a failure in itself. */
  failures: NonNullable<HistoryRecord['failures']>;
  failed: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Judges the last record of the history: every row against its target (and its ratio to the peer
 * timed in the same run, where it has a ratio target and the peer was timed), and against the median
 * of the same row in the earlier records of the same machine (figures from another machine kind say
 * nothing about a regression). Fails on a missed target or a rise beyond the regression margin.
 */
export function checkLatest(history: HistoryRecord[], thresholds: Thresholds): CheckResult {
  const record = history.at(-1);
  if (!record) throw new Error('the benchmark history is empty: run npm run bench first');
  const earlier = history.slice(0, -1).filter((r) => r.machine.key === record.machine.key);
  const past = new Map<string, number[]>();
  for (const r of earlier) {
    for (const row of r.rows) past.set(rowKey(row), [...(past.get(rowKey(row)) ?? []), row.ours]);
  }
  const { relative, absoluteSeconds, absoluteMb } = thresholds.regression;
  const rows = record.rows.map((row): CheckedRow => {
    const target = targetFor(row, thresholds);
    const values = past.get(rowKey(row));
    const baseline = values ? median(values) : undefined;
    const change = baseline === undefined || baseline === 0 ? undefined : row.ours / baseline - 1;
    const floor = row.unit === 'MB' ? absoluteMb : absoluteSeconds;
    const peerRatioTarget = peerRatioTargetFor(row, thresholds);
    const ratio = peerRatio(row);
    const peerVerdict: PeerVerdict | undefined =
      peerRatioTarget === undefined
        ? undefined
        : ratio === undefined
          ? 'no peer'
          : ratio <= peerRatioTarget
            ? 'met'
            : 'missed';
    const missed = (target !== undefined && row.ours > target) || peerVerdict === 'missed';
    // The peers' own rows (bench "peers") are the measuring stick, not our code: never a regression.
    const regressed =
      row.bench !== PEERS_BENCH &&
      baseline !== undefined &&
      row.ours > baseline * (1 + relative) &&
      row.ours - baseline > floor;
    const verdict: Verdict =
      missed && regressed
        ? 'missed target, regression'
        : missed
          ? 'missed target'
          : regressed
            ? 'regression'
            : baseline === undefined
              ? 'new'
              : 'ok';
    return {
      row,
      target,
      baseline,
      change,
      verdict,
      ...(peerRatioTarget !== undefined ? { peerRatioTarget, peerRatio: ratio, peerVerdict } : {}),
    };
  });
  return {
    record,
    baselineRecords: earlier.length,
    rows,
    failures: record.failures ?? [],
    failed: rows.some((r) => r.verdict !== 'ok' && r.verdict !== 'new') || (record.failures?.length ?? 0) > 0,
  };
}
