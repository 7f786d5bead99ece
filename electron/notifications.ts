import { basename } from 'node:path';
import type { Job, QueueCounts } from '../main/contract/index.js';

export interface Notice {
  title: string;
  body: string;
}

/**
 * What deserves a system notification, from the services' events: a batch the user started has
 * finished (once, when the queue runs dry), and files from a watch folder were processed (gathered:
 * a burst of 200 files is one notification, not 200). The shell shows them when its window is not
 * in front.
 */
export class NotificationPolicy {
  private batch = { done: 0, failed: 0 };
  private watched = { done: 0, failed: 0, last: '' };

  /** Takes one services event; returns the notice it completes, if any. */
  onEvent(event: string, payload: unknown): Notice | undefined {
    if (event === 'jobDone' || event === 'jobFailed') {
      const job = payload as Job;
      const tally = job.source === 'batch' ? this.batch : this.watched;
      if (event === 'jobDone') tally.done++;
      else tally.failed++;
      if (tally === this.watched) this.watched.last = basename(job.input.path);
      return undefined;
    }
    if (event !== 'queueProgress') return undefined;
    const counts = payload as QueueCounts;
    const { done, failed } = this.batch;
    if (counts.queued + counts.running > 0 || done + failed === 0) return undefined;
    this.batch = { done: 0, failed: 0 };
    return {
      title: failed ? 'Batch finished with failures' : 'Batch finished',
      body: `${plural(done, 'file')} processed${failed ? `, ${failed} failed` : ''}.`,
    };
  }

  /** Whether watched files are waiting to be reported (the shell reports them after a short pause). */
  get watchedPending(): boolean {
    return this.watched.done + this.watched.failed > 0;
  }

  takeWatched(): Notice | undefined {
    const { done, failed, last } = this.watched;
    if (done + failed === 0) return undefined;
    this.watched = { done: 0, failed: 0, last: '' };
    if (done + failed === 1)
      return done
        ? { title: 'New file processed', body: last }
        : { title: 'A watched file failed', body: last };
    return {
      title: 'Watched files processed',
      body: `${plural(done, 'new file')} processed${failed ? `, ${failed} failed` : ''} (last: ${last}).`,
    };
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
