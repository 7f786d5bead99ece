import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlurmCluster } from '../helpers/slurmCluster.js';
import { writeSlurmScript } from '../helpers/slurmScript.js';
import { corruptProducts, scratch, smallFrames } from '../services/helpers.js';

/**
 * `slurm-script`'s array end to end on a real Slurm (Debian's slurmctld + slurmd, one node of 2 CPUs,
 * started here): sbatch runs every shard's task, then a resubmission after a lost product runs only
 * that product's shard.
 */
describe('aia-studio slurm-script on a real single-node Slurm', () => {
  let slurm: SlurmCluster;
  beforeAll(async () => {
    slurm = await SlurmCluster.start();
  });
  afterAll(async () => {
    await slurm?.stop();
  });

  it('sbatch runs the array: every product made once and valid; after one is deleted, the new script resubmits only its shard', async () => {
    const dir = await scratch('slurm-array');
    const out = join(dir, 'out');
    await smallFrames(dir, 5);
    const script = join(dir, 'aia.sbatch');
    const write = () => writeSlurmScript(script, dir, out, ['--mem', '500M', '--time', '00:10:00']);
    // each task's one line per file, in the job's folder as the script names it
    const taskLogs = async (jobId: string) =>
      (await readdir(dir)).filter((name) => name.startsWith(`aia-studio-${jobId}_`)).sort();
    const products = ['0000', '0001', '0002', '0003', '0004'].map((n) => join(out, `frame_${n}_lev1.5.fits`));

    expect(await write()).toContain(`all 3 shards of 5 files; submit it with: sbatch ${script}`);
    const first = await slurm.submitAndWait(script, dir);
    expect(first.status, slurm.logs()).toBe(0);
    expect(await taskLogs(first.jobId)).toEqual([1, 2, 3].map((k) => `aia-studio-${first.jobId}_${k}.log`));
    const told = await Promise.all(
      [1, 2, 3].map((k) => readFile(join(dir, `aia-studio-${first.jobId}_${k}.log`), 'utf8')),
    );
    expect(told.map((text) => /(\d+) succeeded, 0 failed, (\d+) files/.exec(text)?.slice(1))).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['2', '2'],
    ]);
    expect((await readdir(out)).sort()).toEqual(products.map((p) => p.slice(out.length + 1)));
    expect(await corruptProducts(products)).toEqual([]);

    // frame_0002 is in shard 2 (frames 1 and 2): lose its product, as a task killed by a time-out would
    const kept = Object.fromEntries(
      await Promise.all(products.map(async (p) => [p, (await stat(p)).mtimeMs] as const)),
    );
    await rm(products[2]);
    expect(await write()).toContain('shards 2 of 3 (the others are done)');
    expect(await readFile(script, 'utf8')).toContain('#SBATCH --array=2\n');
    const resumed = await slurm.submitAndWait(script, dir);
    expect(resumed.status, slurm.logs()).toBe(0);
    expect(await taskLogs(resumed.jobId)).toEqual([`aia-studio-${resumed.jobId}_2.log`]);
    // the shard is made again whole: frame_0001's product too, atomically
    expect(await readFile(join(dir, `aia-studio-${resumed.jobId}_2.log`), 'utf8')).toContain(
      '2 succeeded, 0 failed, 2 files',
    );
    expect(await corruptProducts(products.slice(1, 3))).toEqual([]);
    // the other shards' products were not made again
    for (const p of [products[0], products[3], products[4]]) expect((await stat(p)).mtimeMs).toBe(kept[p]);
  });
});
