import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPython } from '../helpers/childProcess.js';
import { sharedData } from '../helpers/paths.js';

export const SMALL = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
export const SMALL_OUTPUT = 'sunpy_test_aia_171_level1_128px_lev1.5.fits';

export function scratch(name = 'services'): Promise<string> {
  return mkdtemp(join(tmpdir(), `aia-${name}-`));
}

/** n copies of the small real frame, named frame_0000.fits …, in dir. */
export async function smallFrames(dir: string, n: number, prefix = 'frame'): Promise<string[]> {
  const paths = Array.from({ length: n }, (_, i) =>
    join(dir, `${prefix}_${String(i).padStart(4, '0')}.fits`),
  );
  for (const path of paths) await copyFile(SMALL, path);
  return paths;
}

/** Polls until the condition holds, or fails after timeoutMs. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** mulberry32: a small seeded generator, so a random test case or kill point replays. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** astropy opens every product and verifies its CHECKSUM and DATASUM; returns the ones that fail. */
export async function corruptProducts(paths: string[]): Promise<string[]> {
  const script = `
import sys, warnings
from astropy.io import fits
bad = []
for p in sys.argv[1:]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            with fits.open(p, checksum=True) as h:
                h[0].data.sum() if h[0].data is not None else h[1].data.sum()
    except Exception as e:
        bad.append(p + ': ' + str(e))
print('\\n'.join(bad))
`;
  const run = await runPython(['-c', script, ...paths]);
  if (run.status !== 0) throw new Error(`astropy could not check the products: ${run.stderr}`);
  return run.stdout.split('\n').filter((l) => l !== '');
}
