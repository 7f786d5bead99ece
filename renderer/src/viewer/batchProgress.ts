/** Throughput and time left of a batch, from the jobs that finished so far. */
export interface BatchProgress {
  finished: number;
  remaining: number;
  /** Files per minute from the batch's first start to now, or to its last file once it has ended. */
  filesPerMinute: number;
  /** Milliseconds to go at that rate, undefined until a file has finished. */
  etaMs?: number;
}

export function batchProgress(
  jobs: readonly { state: string; startedAt?: string; finishedAt?: string }[],
  nowMs: number,
): BatchProgress {
  const finished = jobs.filter((j) => j.state === 'done' || j.state === 'failed');
  const remaining = jobs.filter((j) => j.state === 'queued' || j.state === 'running').length;
  const starts = jobs.flatMap((j) => (j.startedAt ? [Date.parse(j.startedAt)] : []));
  const first = starts.length ? Math.min(...starts) : nowMs;
  // A batch that has ended is measured to its last file, so its rate does not decay as time passes.
  const ends = finished.flatMap((j) => (j.finishedAt ? [Date.parse(j.finishedAt)] : []));
  const end = remaining === 0 && ends.length > 0 ? Math.max(...ends) : nowMs;
  const elapsed = Math.max(1, end - first);
  const perMs = finished.length / elapsed;
  return {
    finished: finished.length,
    remaining,
    filesPerMinute: perMs * 60_000,
    ...(finished.length > 0 ? { etaMs: remaining / perMs } : {}),
  };
}
