import type { BenchRow } from './benchSupport.js';
import { peerRatio } from './check.js';

const num = (v: number | undefined, digits = 3) => (v === undefined ? '—' : v.toFixed(digits));
const times = (base: number | undefined, ours: number) =>
  base === undefined ? '—' : `${(base / ours).toFixed(1)}×`;

/** The headline figures as a Markdown table: ours beside the oracle, aiapy, the best peer and the targets. */
export function resultTable(rows: BenchRow[]): string[] {
  const lines = [
    '| bench | case | backend | metric | ours | oracle (this run) | speed-up vs oracle | aiapy | speed-up vs aiapy | best peer (this run) | ours ÷ peer | target | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows.filter((row) => row.stage === undefined)) {
    const ratio = peerRatio(r);
    const peerMet =
      r.peerRatioTarget === undefined || ratio === undefined ? undefined : ratio <= r.peerRatioTarget;
    const absoluteMet = r.target === undefined ? undefined : r.ours <= r.target;
    const met =
      absoluteMet === undefined && peerMet === undefined
        ? ''
        : absoluteMet !== false && peerMet !== false
          ? 'yes'
          : '**no**';
    const targets = [
      r.target === undefined ? undefined : num(r.target, r.unit === 'MB' ? 0 : 2),
      r.peerRatioTarget === undefined ? undefined : `≤ ${r.peerRatioTarget}× peer`,
    ].filter((t) => t !== undefined);
    const peer = r.peer
      ? `${r.peer.name} ${num(r.peer.seconds)}`
      : r.peerRatioTarget === undefined
        ? '—'
        : 'not timed';
    const aiapyRatio =
      r.unit === 'MB'
        ? r.aiapy === undefined
          ? '—'
          : `${(r.aiapy / r.ours).toFixed(1)}× less`
        : times(r.aiapy, r.ours);
    lines.push(
      `| ${r.bench} | ${r.case} | ${r.backend} | ${r.metric} | ${num(r.ours, r.unit === 'MB' ? 0 : 3)} | ` +
        `${num(r.oracle, 2)} | ${times(r.oracle, r.ours)} | ${num(r.aiapy, r.unit === 'MB' ? 0 : 1)} | ${aiapyRatio} | ` +
        `${peer} | ${ratio === undefined ? '—' : `${ratio.toFixed(2)}×`} | ${targets.join(', ') || '—'} | ${met} |`,
    );
  }
  return lines;
}

/** The stage breakdown of the file-to-file runs, with the stages that mostly waited flagged. */
export function stageTable(rows: BenchRow[]): string[] {
  const lines = [
    '| bench | case | backend | stage | wall s | CPU s (all threads) | CPU / wall | waiting |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows.filter((row) => row.stage !== undefined)) {
    const share = r.cpu === undefined || r.ours === 0 ? '—' : `${((100 * r.cpu) / r.ours).toFixed(0)} %`;
    lines.push(
      `| ${r.bench} | ${r.case} | ${r.backend} | ${r.metric.replace(/ stage .*/, '')}: ${r.stage} | ${num(r.ours)} | ` +
        `${num(r.cpu)} | ${share} | ${r.waiting ? '**waiting**' : ''} |`,
    );
  }
  return lines;
}
