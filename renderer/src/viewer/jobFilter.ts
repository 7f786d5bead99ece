import type { Job } from '../api/appApi.js';

/** The Queue view's filters; 'all' lets every job through. */
export interface JobFilter {
  state: string;
  /** A channel in Å as text ('171'), 'none' for jobs whose header named none, or 'all'. */
  channel: string;
  /** 'batch', a watch folder's id, 'watch' (any watch folder), or 'all'. */
  source: string;
  /** Part of the input path, output folder or error (case-insensitive). */
  text: string;
}

export const NO_FILTER: JobFilter = { state: 'all', channel: 'all', source: 'all', text: '' };

const channelOf = (job: Job) => (job.observation ? String(job.observation.channel) : 'none');

export function matchesFilter(job: Job, filter: JobFilter): boolean {
  const needle = filter.text.toLowerCase();
  return (
    (filter.state === 'all' || job.state === filter.state) &&
    (filter.channel === 'all' || channelOf(job) === filter.channel) &&
    (filter.source === 'all' ||
      job.source === filter.source ||
      (filter.source === 'watch' && job.source !== 'batch')) &&
    (!needle ||
      job.input.path.toLowerCase().includes(needle) ||
      job.recipe.outputDir.toLowerCase().includes(needle) ||
      (job.error ?? '').toLowerCase().includes(needle))
  );
}

/** The channels and sources the jobs have, for the filters' choices: channels in ascending Å. */
export function filterChoices(jobs: Iterable<Job>): { channels: string[]; sources: string[] } {
  const channels = new Set<string>();
  const sources = new Set<string>();
  for (const job of jobs) {
    channels.add(channelOf(job));
    sources.add(job.source);
  }
  return {
    channels: [...channels].sort((a, b) => (a === 'none' ? 1 : b === 'none' ? -1 : Number(a) - Number(b))),
    sources: [...sources].sort((a, b) => (a === 'batch' ? -1 : b === 'batch' ? 1 : a.localeCompare(b))),
  };
}

/**
 * A folder's last `depth` names ("…/2014/out"), so two outputs (or inputs) of one file name can be
 * told apart at a glance; the whole path goes in the tooltip.
 */
export function shortFolder(path: string, depth = 2): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const root = /^[\\/]/.test(path) ? '/' : '';
  return parts.length <= depth ? `${root}${parts.join('/')}` : `…/${parts.slice(-depth).join('/')}`;
}

/** The folder a path lies in. */
export const folderOf = (path: string) => path.replace(/[\\/][^\\/]*$/, '') || '/';
