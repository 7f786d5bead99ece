import { defineStore } from 'pinia';
import { computed, shallowRef, triggerRef } from 'vue';
import type { AppApi, Job, JournalRepair, QueueCounts, WatchFolderStatus } from '../api/appApi.js';

/**
 * The jobs as the queue reports them. One Map in a shallow ref, bumped per event, so 10,000 jobs cost
 * no deep reactivity; the list view reads only the rows it shows.
 */
export const useQueueStore = defineStore('queue', () => {
  const jobs = shallowRef(new Map<string, Job>());
  const counts = shallowRef<QueueCounts | undefined>();
  /** The journal's repair at start-up, until the user dismisses it (a later refresh keeps it dismissed). */
  const journalRepair = shallowRef<JournalRepair | undefined>();
  /** Watch folders' folders by id, so a job's source reads as its folder, not an id. */
  const watchFolderDirs = shallowRef(new Map<string, string>());
  let dismissedRepair: string | undefined;
  /** The cluster the listed jobs are on (undefined: this computer). */
  let cluster: string | undefined;
  let api: AppApi | undefined;

  const put = (job: Job) => {
    jobs.value.set(job.id, job);
    triggerRef(jobs);
  };

  async function connect(app: AppApi): Promise<void> {
    api = app;
    for (const event of [
      'jobQueued',
      'jobStarted',
      'jobDone',
      'jobFailed',
      'jobCancelled',
      'jobUpdated',
    ] as const) {
      app.on(event, put);
    }
    app.on('jobSkipped', ({ job }) => job && put(job));
    app.on('jobsCleared', ({ ids }) => {
      for (const id of ids) jobs.value.delete(id);
      triggerRef(jobs);
    });
    // A stage's cost as it ends; the stage the job is in comes with jobProgress.
    app.on('jobStage', ({ id, stage, metrics }) => {
      const job = jobs.value.get(id);
      if (!job) return;
      put({ ...job, stages: { ...job.stages, [stage]: metrics } });
    });
    app.on('jobProgress', ({ id, progress }) => {
      const job = jobs.value.get(id);
      if (job?.state === 'running') put({ ...job, stage: progress.stage, progress });
    });
    app.on('queueProgress', (c) => (counts.value = c));
    app.on('watchFolders', (folders) => rememberWatchFolders(folders));
    // the settings switched the queue (this computer ⇄ a cluster): its jobs replace the list
    app.on('workers', ({ cluster: now }) => {
      if (now !== cluster) void refresh();
    });
    await refresh();
  }

  async function refresh(): Promise<void> {
    if (!api) return;
    cluster = (await api.call('listWorkers', {})).cluster;
    const listed = await api.call('listJobs', {});
    jobs.value = new Map(listed.jobs.map((j) => [j.id, j]));
    counts.value = listed.counts;
    rememberWatchFolders(await api.call('listWatchFolders', {}));
    const repair = listed.journalRepair;
    journalRepair.value = repair && repair.copy !== dismissedRepair ? repair : undefined;
  }

  /** Kept after a folder is removed: its jobs stay in the history and still name it. */
  function rememberWatchFolders(folders: WatchFolderStatus[]): void {
    watchFolderDirs.value = new Map([
      ...watchFolderDirs.value,
      ...folders.map((f) => [f.id, f.dir] as const),
    ]);
  }

  const ordered = computed(() => [...jobs.value.values()].sort((a, b) => b.seq - a.seq));
  const paused = computed(() => counts.value?.paused ?? false);

  return {
    jobs,
    counts,
    ordered,
    paused,
    journalRepair,
    watchFolderDirs,
    dismissJournalRepair: () => {
      dismissedRepair = journalRepair.value?.copy;
      journalRepair.value = undefined;
    },
    connect,
    refresh,
    cancel: (id: string) => api?.call('cancelJob', { id }).then(put),
    retry: (id: string) => api?.call('retryJob', { id }).then(put),
    /** Takes the finished jobs out of the queue's history (their products stay); the event drops the rows. */
    clearFinished: async () => {
      if (api) counts.value = (await api.call('clearFinished', {})).counts;
    },
    togglePause: async () => {
      if (api) counts.value = await api.call(paused.value ? 'resumeQueue' : 'pauseQueue', {});
    },
  };
});
