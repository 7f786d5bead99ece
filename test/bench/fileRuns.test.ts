import { describe, expect, it } from 'vitest';
import { fileToFileRows, type FileRun } from '../../bench/fileRuns.js';

const stage = (wallMs: number, cpuMs: number, waiting = false) => ({ wallMs, cpuMs, rssMb: 100, waiting });
const run = (wallMs: number, peakRssMb: number, writeWaiting: boolean): FileRun => ({
  wallMs,
  processMs: wallMs + 300,
  peakRssMb,
  stages: { read: stage(10, 9), decode: stage(200, 210), write: stage(40, 5, writeWaiting) },
});

describe('file-to-file rows', () => {
  const rows = fileToFileRows(
    { bench: 'register', case: 'a.fits', backend: 'cpu', product: 'level 1.5', aiapy: { seconds: 1.9 } },
    [run(900, 400, true), run(700, 420, true), run(800, 380, false)],
  );

  it('gives the median wall time, the largest peak RSS and the median time from the process start', () => {
    expect(rows[0]).toMatchObject({ metric: 'level 1.5 file-to-file s', unit: 's', ours: 0.8, aiapy: 1.9 });
    expect(rows[1]).toMatchObject({ metric: 'level 1.5 peak RSS MB', unit: 'MB', ours: 420 });
    expect(rows[2]).toMatchObject({ metric: 'level 1.5 fresh process s', unit: 's', ours: 1.1 });
  });

  it('breaks the run down by stage in the order the job ran them, flagging stages that mostly waited', () => {
    const stages = rows.slice(3);
    expect(stages.map((r) => r.stage)).toEqual(['read', 'decode', 'write']);
    expect(stages[1]).toMatchObject({
      metric: 'level 1.5 stage decode s',
      ours: 0.2,
      cpu: 0.21,
      waiting: false,
    });
    expect(stages[2]).toMatchObject({ backend: 'cpu', ours: 0.04, cpu: 0.005, waiting: true });
  });
});
