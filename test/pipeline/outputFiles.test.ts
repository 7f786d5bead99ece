import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../main/engine/pipeline/outputFiles.js';
import { sharedData } from '../helpers/paths.js';

const root = await mkdtemp(join(tmpdir(), 'aia-output-files-'));
const FRAME = await readFile(
  sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'),
);
const SMALL = await readFile(sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits'));

/** `bytes` cut into parts at these offsets, as encodeFits hands a product over (header, data, padding). */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  return [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
}

describe('writeFileAtomically', () => {
  // 13 MB: written with O_DIRECT through the bounce buffer where the file system takes it
  it.each([
    ['one part', [] as number[]],
    ['parts off every block boundary', [2880, 2880 + 7, (1 << 21) + 5, FRAME.length - 1]],
    ['parts with empty ones', [0, 2880, 2880, FRAME.length]],
  ])('writes a large file byte for byte, in %s', async (name, at) => {
    const path = join(root, `${name.replace(/\s+/g, '-')}.fits`);
    await writeFileAtomically(path, cut(FRAME, at));
    const written = await readFile(path);
    expect(written.length).toBe(FRAME.length);
    expect(written.equals(FRAME)).toBe(true);
  });

  it('writes a file a block shorter, and a small one, the same way, and leaves no temporary file', async () => {
    const short = FRAME.subarray(0, FRAME.length - 4096 * 3 - 2880);
    await writeFileAtomically(join(root, 'short.fits'), short);
    await writeFileAtomically(join(root, 'small.fits'), cut(SMALL, [2880]));
    expect((await readFile(join(root, 'short.fits'))).equals(short)).toBe(true);
    expect((await readFile(join(root, 'small.fits'))).equals(SMALL)).toBe(true);
    expect((await readdir(root)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('replaces an existing file with a shorter one', async () => {
    const path = join(root, 'replaced.fits');
    await writeFileAtomically(path, FRAME);
    const shorter = FRAME.subarray(0, 9 << 20);
    await writeFileAtomically(path, shorter);
    expect((await readFile(path)).equals(shorter)).toBe(true);
  });
});
