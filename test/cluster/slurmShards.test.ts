import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseShard, shardOf } from '../../main/cluster/shard.js';
import { arraySpec } from '../../main/cluster/slurmScript.js';
import { mapPath, parsePathMap, unmapPath } from '../../main/cluster/pathMap.js';
import { writeSlurmScript } from '../helpers/slurmScript.js';
import { scratch, smallFrames } from '../services/helpers.js';

const run = promisify(execFile);

describe('process --shard K/N', () => {
  it('splits the sorted inputs into N contiguous parts: each input in exactly one, whatever order they came in', () => {
    const inputs = Array.from({ length: 23 }, (_, i) => `/data/aia/f${String(i).padStart(3, '0')}.fits`);
    const shuffled = [...inputs].reverse();
    for (const count of [1, 2, 5, 23]) {
      const parts = Array.from({ length: count }, (_, k) => shardOf(shuffled, { index: k + 1, count }));
      expect(parts.flat()).toEqual(inputs);
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      parts.forEach((part, k) => expect(shardOf(inputs, { index: k + 1, count })).toEqual(part));
    }
  });

  it('takes K/N with 1 ≤ K ≤ N only', () => {
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '-1/3'])
      expect(() => parseShard(bad)).toThrow(`--shard takes K/N with 1 ≤ K ≤ N (got '${bad}')`);
  });

  it('writes sbatch arrays as ranges', () => {
    expect(arraySpec([1, 2, 3, 5, 7, 8])).toBe('1-3,5,7-8');
    expect(arraySpec([4])).toBe('4');
  });

  it('--path-map rewrites whole-folder prefixes, the longest first, and back', () => {
    const map = parsePathMap(['/data=/mnt/nfs/data', '/data/aia=/scratch/aia/']);
    expect(mapPath('/data/x.fits', map)).toBe('/mnt/nfs/data/x.fits');
    expect(mapPath('/data/aia/y.fits', map)).toBe('/scratch/aia/y.fits');
    expect(mapPath('/database/z.fits', map)).toBe('/database/z.fits');
    expect(unmapPath('/scratch/aia/y.fits', map)).toBe('/data/aia/y.fits');
    expect(() => parsePathMap(['data=/x'])).toThrow(
      "--path-map takes FROM=TO, two absolute folders (got 'data=/x')",
    );
  });
});

describe('aia-studio slurm-script', () => {
  it("writes an sbatch --array script whose tasks make their shard's products; run again, it resubmits only the shards with products missing", async () => {
    const dir = await scratch('slurm');
    const out = join(dir, 'out');
    const inputs = await smallFrames(dir, 5);
    const script = join(dir, 'aia.sbatch');
    const write = () => writeSlurmScript(script, dir, out);
    // a task as Slurm runs it: the script with its array task id
    const task = (k: number) =>
      run('bash', [script], {
        env: { ...process.env, SLURM_ARRAY_TASK_ID: String(k), SLURM_CPUS_PER_TASK: '1' },
      });

    expect(await write()).toContain(`all 3 shards of 5 files; submit it with: sbatch ${script}`);
    const text = await readFile(script, 'utf8');
    expect(text).toMatch(/^#!\/bin\/bash\n#SBATCH --job-name=aia-studio\n#SBATCH --array=1-3\n/);
    expect(text).toContain(`--shard "\${SLURM_ARRAY_TASK_ID}/3" --from-list '${script}.inputs'`);
    expect(text).toContain(`'--out' '${out}'`);
    expect((await readFile(`${script}.inputs`, 'utf8')).trim().split('\n')).toEqual([...inputs].sort());

    const second = await task(2);
    expect(second.stdout).toContain('2 succeeded, 0 failed, 2 files');
    expect((await readdir(out)).sort()).toEqual(['frame_0001_lev1.5.fits', 'frame_0002_lev1.5.fits']);

    expect(await write()).toContain('shards 1,3 of 3 (the others are done)');
    expect(await readFile(script, 'utf8')).toContain('#SBATCH --array=1,3\n');
    await task(1);
    await task(3);
    expect((await readdir(out)).length).toBe(5);
    expect(await write()).toContain(`every product of the 5 files is in ${out}: nothing to submit`);
  });
});
