import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendLanes } from '../../main/engine/compute/backendLanes.js';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { ChannelOptics } from '../../main/engine/pipeline/channelOptics.js';
import { processBatch } from '../../main/engine/pipeline/processBatch.js';
import { DEFAULT_RECIPE, type Recipe } from '../../main/engine/pipeline/recipe.js';
import { sharedData } from '../helpers/paths.js';

/*
 * Several images in flight, each on its own lane (a CPU lane is a second compute engine): real
 * level 1 files of three sizes, real outputs on disk.
 */
const FILES = [
  sharedData('fullres_l1_synthetic/aia_lev1_94a_2014_01_01t00_00_synthetic.fits'),
  sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits'),
  sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits'),
  sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'),
];
const root = await mkdtemp(join(tmpdir(), 'aia-batch-test-'));
const optics = new ChannelOptics(join(root, 'psf-cache'));
const lanes = new BackendLanes(new CpuBackend({ threads: 2 }), 2);
afterAll(() => lanes.dispose());

const recipeTo = (outputDir: string): Recipe => ({ ...DEFAULT_RECIPE, levels: ['1.5'], outputDir });

/** Runs a batch, noting in order when each file was admitted and when it finished or failed. */
async function run(inputs: string[], recipe: Recipe, on: BackendLanes) {
  await mkdir(recipe.outputDir);
  const events: string[] = [];
  const outputs: string[][] = [];
  const errors: string[] = [];
  await processBatch(inputs, recipe, on, optics, {
    admit: (i) => void events.push(`admit ${i}`),
    finished: (i, outcome) => {
      events.push(`end ${i}`);
      outputs[i] = outcome.outputs;
    },
    failed: (i, error) => {
      events.push(`end ${i}`);
      errors[i] = (error as Error).message;
    },
  });
  return { events, outputs, errors };
}

describe('processBatch with two images in flight', () => {
  it('overlaps files and writes exactly what one at a time writes', async () => {
    const one = new BackendLanes(new CpuBackend({ threads: 2 }), 1);
    const serial = await run(FILES, recipeTo(join(root, 'one')), one);
    await one.dispose();
    // one lane: files start in order, one at a time, but each as soon as the one before has left the
    // lane, so the previous one's products are still being flushed to disk
    expect(serial.errors).toEqual([]);
    expect(serial.events.filter((e) => e.startsWith('admit'))).toEqual(FILES.map((_, i) => `admit ${i}`));
    expect(serial.events.indexOf('admit 1')).toBeLessThan(serial.events.indexOf('end 0'));

    const two = await run(FILES, recipeTo(join(root, 'two')), lanes);
    // the second file starts before the first ends
    expect(two.events.indexOf('admit 1')).toBeLessThan(two.events.indexOf('end 0'));
    expect(lanes.lanes).toHaveLength(2);
    expect(two.errors).toEqual([]);
    for (const [i, made] of two.outputs.entries()) {
      const [theirs] = serial.outputs[i];
      const a = await readFitsImageFile(made[0]);
      const b = await readFitsImageFile(theirs);
      // (toEqual walks 16M samples one by one)
      const same = Buffer.from((a.raw as Float32Array).buffer).equals(
        Buffer.from((b.raw as Float32Array).buffer),
      );
      expect(same, made[0]).toBe(true);
      expect(a.header.history()).toEqual(b.header.history());
    }
  });

  it('a file whose product a file in flight makes waits for it, then is judged after it', async () => {
    const inputs = [join(root, 'a', 'frame.fits'), join(root, 'b', 'frame.fits')];
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    await copyFile(FILES[2], inputs[0]);
    await copyFile(FILES[1], inputs[1]);
    const recipe = recipeTo(join(root, 'same'));
    await mkdir(recipe.outputDir);
    const claimed = new Set<string>();
    const events: string[] = [];
    await processBatch(inputs, recipe, lanes, optics, {
      admit: (i) => {
        events.push(`admit ${i}`);
        const product = join(recipe.outputDir, 'frame_lev1.5.fits');
        if (claimed.has(product)) throw new Error(`${product} is taken`);
        claimed.add(product);
      },
      finished: (i) => void events.push(`end ${i}`),
      failed: (i, error) => void events.push(`failed ${i}: ${(error as Error).message}`),
    });
    // b/frame.fits waited for a/frame.fits, though a lane was free
    expect(events).toEqual([
      'admit 0',
      'end 0',
      'admit 1',
      `failed 1: ${join(recipe.outputDir, 'frame_lev1.5.fits')} is taken`,
    ]);
    // the product is a/frame.fits's, whole
    const product = await readFile(join(recipe.outputDir, 'frame_lev1.5.fits'));
    expect(product.length % 2880).toBe(0);
    expect((await readFitsImageFile(join(recipe.outputDir, 'frame_lev1.5.fits'))).width).toBe(128);
  });
});
