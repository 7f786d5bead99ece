import type { Job } from '../api/appApi.js';

/** One finished job as a point of a time series: its channel and observation time (T_OBS). */
export interface SeriesFrame {
  jobId: string;
  channel: number;
  /** T_OBS as the header has it. */
  time: string;
  /** T_OBS in ms since 1970 (UTC). */
  ms: number;
  /** The flags of its products (empty when clean), `metric: reason`. */
  flags: string[];
}

/**
 * The observations of finished jobs, from the QA record each job keeps (channel, T_OBS; no file is
 * read). A job made before QA records existed has no place in a series.
 */
export function seriesFrames(jobs: readonly Job[]): SeriesFrame[] {
  const frames: SeriesFrame[] = [];
  for (const job of jobs) {
    const first = job.qa?.[0];
    const ms = first?.tObs === undefined ? undefined : parseObsTime(first.tObs);
    if (job.state !== 'done' || first?.channel === undefined || ms === undefined) continue;
    const flags = (job.qa ?? []).flatMap((q) => q.flags.map((f) => `${f.metric}: ${f.reason}`));
    frames.push({ jobId: job.id, channel: first.channel, time: first.tObs!, ms, flags });
  }
  return frames;
}

/** The frames of one channel, oldest first (ties by job id, so the order is stable). */
export function channelSeries(frames: readonly SeriesFrame[], channel: number | undefined): SeriesFrame[] {
  return frames
    .filter((f) => f.channel === channel)
    .sort((a, b) => a.ms - b.ms || a.jobId.localeCompare(b.jobId));
}

/** The channels present, in ascending wavelength. */
export function seriesChannels(frames: readonly SeriesFrame[]): number[] {
  return [...new Set(frames.map((f) => f.channel))].sort((a, b) => a - b);
}

/** Index of the frame nearest in time to `ms` (the earlier one on a tie); -1 for no frames. */
export function nearestFrame(frames: readonly SeriesFrame[], ms: number): number {
  let best = -1;
  for (let i = 0; i < frames.length; i++)
    if (best < 0 || Math.abs(frames[i].ms - ms) < Math.abs(frames[best].ms - ms)) best = i;
  return best;
}

/**
 * A time as users type or paste it: ISO 8601 with 'T' or a space, seconds and fractions optional,
 * UTC whether or not it ends in Z (AIA's T_OBS is UTC); undefined when it is not a time.
 */
export function parseObsTime(text: string): number | undefined {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*Z?\s*$/i.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) + (frac ? Math.round(Number(frac) * 1000) : 0);
  return Number.isFinite(ms) ? ms : undefined;
}

/** T_OBS for the screen: '2011-02-15 00:00:13.34 UTC', the header's own digits kept. */
export function formatObsTime(time: string): string {
  return `${time.replace('T', ' ').replace(/Z$/i, '')} UTC`;
}
