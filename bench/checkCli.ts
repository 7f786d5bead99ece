import { checkLatest, type CheckedRow, type CheckResult } from './check.js';
import { historyPath, readHistory } from './record.js';
import { readThresholds, thresholdsPath } from './thresholds.js';

/**
 * npm run bench:check: judges the last record of bench/history.jsonl against bench/thresholds.json
 * and against the median of the earlier records of the same machine; exits 1 on a missed target or
 * a regression beyond the margin, 2 when there is nothing to judge.
 */
const num = (v: number | undefined, digits: number) => (v === undefined ? '—' : v.toFixed(digits));

function line({
  row,
  target,
  baseline,
  change,
  verdict,
  peerRatio,
  peerRatioTarget,
  peerVerdict,
}: CheckedRow): string {
  const digits = row.unit === 'MB' ? 0 : 3;
  const peer =
    peerRatioTarget === undefined
      ? '—'
      : `${peerRatio === undefined ? 'no peer timed' : `${peerRatio.toFixed(2)}× ${row.peer?.name}`} ` +
        `(target ≤ ${peerRatioTarget}×${peerVerdict === 'missed' ? ', missed' : ''})`;
  const delta = change === undefined ? '—' : `${change >= 0 ? '+' : ''}${(100 * change).toFixed(0)} %`;
  const flag = verdict === 'ok' || verdict === 'new' ? verdict : `**${verdict.toUpperCase()}**`;
  return (
    `| ${row.bench} | ${row.case} | ${row.backend} | ${row.metric} | ${num(row.ours, digits)} | ` +
    `${num(baseline, digits)} | ${delta} | ${num(target, row.unit === 'MB' ? 0 : 2)} | ${peer} | ${flag} |`
  );
}

function report(result: CheckResult): string[] {
  const { record, baselineRecords } = result;
  // Stage rows are many and short: shown only when they fail, the totals carry the rest.
  const shown = result.rows.filter(
    (r) => r.row.stage === undefined || (r.verdict !== 'ok' && r.verdict !== 'new'),
  );
  return [
    `last record: ${record.date}, commit ${record.commit}${record.dirty ? ' (uncommitted changes)' : ''}, ` +
      `${record.machine.key}`,
    `baseline: median of ${baselineRecords} earlier record(s) of the same machine` +
      (baselineRecords === 0 ? ' (none: only the targets are checked)' : ''),
    '',
    '| bench | case | backend | metric | last | baseline | change | target | ÷ peer (this run) | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...shown.map(line),
    '',
    ...result.failures.map((f) => `FAILED (not measured): ${f.bench} ${f.case} (${f.backend}): ${f.error}`),
    ...(result.rows.some((r) => r.peerVerdict === 'no peer')
      ? [
          'peer ratio targets not judged where no peer was timed (see the run: its Debian package was missing)',
        ]
      : []),
  ];
}

const history = await readHistory();
if (history.length === 0) {
  console.error(`${historyPath} has no records: run npm run bench first`);
  process.exit(2);
}
const thresholds = await readThresholds();
const result = checkLatest(history, thresholds);
console.log(report(result).join('\n'));
const failing = result.rows.filter((r) => r.verdict !== 'ok' && r.verdict !== 'new');
const { relative, absoluteSeconds, absoluteMb } = thresholds.regression;
console.log(
  failing.length === 0 && result.failures.length === 0
    ? 'bench:check passed: every target met, nothing slower than the margin'
    : `bench:check FAILED: ${[
        result.failures.length > 0 ? `${result.failures.length} case(s) not measured` : '',
        failing.length > 0
          ? `${failing.length} row(s) missed a target or regressed by more than ${(100 * relative).toFixed(0)} % ` +
            `(and ${absoluteSeconds} s / ${absoluteMb} MB)`
          : '',
      ]
        .filter(Boolean)
        .join(', ')}; targets and margin: ${thresholdsPath}`,
);
process.exit(result.failed ? 1 : 0);
