import type { CommandName, CommandRequest } from '../../main/contract/index.js';

/**
 * THE table of good and bad requests, one row per command of the contract, that every transport's
 * contract test runs. Good requests are well-formed (a handler may still refuse their meaning: no such
 * job, no such file); bad ones must be refused by the validator before any handler runs. Paths are
 * absolute and lie under `root`, a scratch folder of the test.
 */
export interface CommandCases<K extends CommandName> {
  good: CommandRequest<K>[];
  /** [request, a part of the refusal's message] */
  bad: [unknown, string][];
}

const HUGE = 'x'.repeat(100_000);

export function requestTable(root: string): { [K in CommandName]: CommandCases<K> } {
  const out = `${root}/out`;
  const fits = `${root}/missing.fits`;
  return {
    submitBatch: {
      good: [
        { inputs: [fits], recipe: { outputDir: out } },
        { inputs: [], recipe: { outputDir: out, levels: ['1.5', '1.6'], missing: 'NaN' }, recursive: true },
      ],
      bad: [
        [{ inputs: ['data/a.fits'], recipe: { outputDir: out } }, 'inputs[0] must be an absolute path'],
        // ~/… is the services' home (homePath.test.ts); another user's home is not.
        [{ inputs: ['~root/a.fits'], recipe: { outputDir: out } }, 'inputs[0] must be an absolute path'],
        [{ inputs: ['file:///etc/passwd'], recipe: { outputDir: out } }, 'inputs[0] must be an absolute'],
        [{ inputs: [`${root}/a.fits\0.txt`], recipe: { outputDir: out } }, 'inputs[0] must be an absolute'],
        [{ inputs: fits, recipe: {} }, 'inputs must be a list'],
        [{ inputs: [fits] }, 'recipe must be given'],
        [{ inputs: [fits], recipe: { outputDir: 'out' } }, 'recipe.outputDir must be an absolute'],
        [{ inputs: [fits], recipe: { shell: 'rm -rf' } }, 'recipe.shell must be left out'],
        [
          { inputs: [fits], recipe: { outputDir: out, iterations: '25' } },
          'recipe.iterations must be a number',
        ],
        [{ inputs: [fits], recipe: { outputDir: out }, priority: 'high' }, 'priority must be a number'],
        [{ inputs: [`/${HUGE}`], recipe: { outputDir: out } }, 'inputs[0] must be an absolute path'],
      ],
    },
    listJobs: {
      good: [{}, { states: ['done', 'failed'], source: 'batch', offset: 0, limit: 10 }],
      bad: [
        [{ states: ['done', 'exploded'] }, 'states[1] must be one of queued'],
        [{ states: 'done' }, 'states must be a list'],
        [{ limit: -1 }, 'limit must be a whole number'],
        [{ offset: 1.5 }, 'offset must be a whole number'],
      ],
    },
    getJob: {
      good: [{ id: 'no-such-job' }],
      bad: [
        [{}, 'id must be given'],
        [{ id: 7 }, 'id must be a non-empty string'],
        [{ id: '' }, 'id must be a non-empty string'],
        [{ id: HUGE }, 'id must be a non-empty string of at most 4096'],
      ],
    },
    jobMetrics: { good: [{ id: 'no-such-job' }], bad: [[{ id: null }, 'id must be a non-empty string']] },
    pauseQueue: { good: [{}], bad: [[{ now: true }, 'now must be left out']] },
    resumeQueue: { good: [{}], bad: [[{ now: true }, 'now must be left out']] },
    cancelJob: { good: [{ id: 'no-such-job' }], bad: [[{ id: ['j1'] }, 'id must be a non-empty string']] },
    retryJob: { good: [{ id: 'no-such-job' }], bad: [[{ ids: ['j1'] }, 'ids must be left out']] },
    setJobPriority: {
      good: [{ id: 'no-such-job', priority: -3 }],
      bad: [
        [{ id: 'j1', priority: 'high' }, 'priority must be a number'],
        [{ id: 'j1' }, 'priority must be given'],
      ],
    },
    clearFinished: {
      good: [{}, { states: ['failed'], source: 'batch' }],
      bad: [[{ states: ['running'] }, 'states[0] must be one of done, failed, cancelled']],
    },
    listWatchFolders: { good: [{}], bad: [[{ all: 1 }, 'all must be left out']] },
    addWatchFolder: {
      good: [{ dir: `${root}/no-such-folder`, recipe: { outputDir: out }, recursive: false, priority: 1 }],
      bad: [
        // ~/… is the services' home (typed in the Watch view, as in Batch); another user's home is not.
        [{ dir: '~root/downloads', recipe: { outputDir: out } }, 'dir must be an absolute path'],
        [{ dir: `${root}/watch` }, 'recipe must be given'],
        [
          { dir: `${root}/watch`, recipe: { outputDir: out }, recursive: 'yes' },
          'recursive must be true or false',
        ],
      ],
    },
    removeWatchFolder: {
      good: [{ id: 'no-such-folder' }],
      bad: [[{ id: 1 }, 'id must be a non-empty string']],
    },
    pauseWatchFolder: {
      good: [{ id: 'no-such-folder' }],
      bad: [[{ id: '' }, 'id must be a non-empty string']],
    },
    resumeWatchFolder: {
      good: [{ id: 'no-such-folder' }],
      bad: [[{}, 'id must be given']],
    },
    getSettings: { good: [{}], bad: [[{ key: 'threads' }, 'key must be left out']] },
    updateSettings: {
      good: [
        { imagesInFlight: 2 },
        { defaultRecipe: { levels: ['1.5'] } },
        { runJobsOn: 'cluster', clusterUrl: 'redis://cluster.example:6379' },
      ],
      bad: [
        [{ cacheDir: '../cache' }, 'cacheDir must be an absolute path'],
        [{ runJobsOn: 'moon' }, 'runJobsOn must be one of local, cluster'],
        [{ clusterUrl: 'http://cluster.example:6379' }, 'clusterUrl must be a Redis URL'],
        [{ clusterUrl: 'redis://host:6379 --flag' }, 'clusterUrl must be a Redis URL'],
        [{ threads: 1.5 }, 'threads must be a whole number'],
        [{ imagesInFlight: 'two' }, 'imagesInFlight must be a whole number'],
        [{ watchFolders: [] }, 'watchFolders must be left out'],
      ],
    },
    imageInfo: {
      good: [{ path: fits }, { jobId: 'no-such-job', level: '1.5' }],
      bad: [
        [{ path: 'relative.fits' }, 'path must be an absolute path'],
        [{}, 'the request must be an image: a path, or a jobId and a level'],
        [{ jobId: 'j1' }, 'the request must be an image'],
        [{ jobId: 'j1', level: '2' }, 'level must be one of 1, 1.5, 1.6'],
        [{ path: fits, jobId: 'j1', level: '1' }, 'the request must be an image'],
      ],
    },
    imagePreview: {
      good: [{ path: fits, maxSize: 64 }],
      bad: [[{ path: fits, maxSize: -64 }, 'maxSize must be a whole number']],
    },
    imagePixels: {
      good: [{ jobId: 'no-such-job', level: '1', region: { x: 0, y: 0, width: 8, height: 8 } }],
      bad: [
        [{ jobId: 'j1', level: '1.5', region: { x: -1, y: 0, width: 8, height: 8 } }, 'region.x must be'],
        [{ path: fits, region: { x: 0, y: 0, width: 8 } }, 'region.height must be given'],
      ],
    },
    inspectInputs: {
      good: [{ paths: [fits, '~/a.fits'] }, { paths: [root], recursive: true, normalizeExposure: true }],
      bad: [
        [{}, 'paths must be given'],
        [{ paths: ['relative.fits'] }, 'paths[0] must be an absolute path'],
        [{ paths: [fits], levels: ['1.6'] }, 'levels must be left out'],
      ],
    },
    writeCutout: {
      good: [
        { path: fits, region: { x: 0, y: 0, width: 8, height: 8 } },
        { jobId: 'no-such-job', level: '1.5', region: { x: 4, y: 4, width: 2, height: 2 }, outputDir: out },
      ],
      bad: [
        [{ path: fits }, 'region must be given'],
        [{ path: fits, region: { x: 0, y: 0, width: 8, height: 8 }, outputDir: 'out' }, 'outputDir must be'],
      ],
    },
    fitsCutout: {
      good: [{ path: fits, region: { x: 0, y: 0, width: 8, height: 8 } }],
      bad: [[{ jobId: 'j1', level: '1', region: { x: 0, y: 0, width: 8 } }, 'region.height must be given']],
    },
    listFolder: {
      good: [{}, { path: root }],
      bad: [
        [{ path: 'relative/folder' }, 'path must be an absolute path'],
        [{ path: 42 }, 'path must be an absolute path'],
      ],
    },
    benchHistory: { good: [{}], bad: [[{ since: '2026' }, 'since must be left out']] },
    listQa: { good: [{}], bad: [[{ jobId: 'j1' }, 'jobId must be left out']] },
    listWorkers: { good: [{}], bad: [[{ host: 'x' }, 'host must be left out']] },
  };
}

/** What no command takes: refused whatever the command. */
export const BAD_FOR_EVERY_COMMAND: [unknown, string][] = [
  [null, 'the request must be an object'],
  [42, 'the request must be an object'],
  ['getJob', 'the request must be an object'],
  [[], 'the request must be an object'],
  [{ junk: 'x'.repeat(10_000) }, 'junk must be left out'],
];
