import type { ImageLevel, Job } from '../api/appApi.js';

/**
 * Why a finished job has no product of a level it asked for, in plain words, or undefined when the
 * product is there. Level 1 is the input and always there; a skipped level says the engine's reason
 * (its warning 'level 1.6 not made: …').
 */
export function missingLevelReason(job: Job, level: ImageLevel): string | undefined {
  if (level === '1' || job.outputs.some((o) => o.path.endsWith(`_lev${level}.fits`))) return undefined;
  const prefix = `level ${level} not made: `;
  const warning = job.warnings.find((w) => w.startsWith(prefix));
  if (warning) return `Level ${level} was not made: ${warning.slice(prefix.length)}`;
  if (job.state !== 'done') return `Level ${level} is not made yet: the job is ${job.state}.`;
  return `Level ${level} was not made, and the job gives no reason.`;
}
