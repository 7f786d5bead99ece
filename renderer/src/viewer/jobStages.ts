import type { Stage } from '../../../main/contract/index.js';

const PIPELINE: Stage[] = [
  'read',
  'decode',
  'prepare',
  'deconvolve',
  'register',
  'statistics',
  'encode',
  'write',
];

/** The stages a job goes through, in order: deconvolve only when level 1.6 is asked for. */
export function stagesFor(levels: readonly string[]): Stage[] {
  return PIPELINE.filter((s) => s !== 'deconvolve' || levels.includes('1.6'));
}

/** Share of a job's stages finished, from the stage it is in (0 before it starts, 1 when done). */
export function stageShare(levels: readonly string[], state: string, stage?: Stage): number {
  if (state === 'done') return 1;
  if (state !== 'running' || !stage) return 0;
  const stages = stagesFor(levels);
  return Math.max(0, stages.indexOf(stage)) / stages.length;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60
    ? `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`
    : `${(minutes / 60).toFixed(1)} h`;
}

/** 'cpu' or 'gpu' from the queue's note ('backend: cpu (auto: no GPU device …)'); '' without one. */
export const backendName = (note: string | undefined): string =>
  /^backend: (\w+)/.exec(note ?? '')?.[1] ?? '';
