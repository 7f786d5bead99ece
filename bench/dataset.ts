import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { repoRoot } from './benchSupport.js';

/**
 * Where the project's shared AIA files live: beside the checkout (../shared/data/aia/MANIFEST.md), or
 * AIA_STUDIO_BENCH_DATA (a machine where they lie elsewhere, e.g. a GPU machine given a copy).
 */
export const dataRoot = resolve(repoRoot, process.env.AIA_STUDIO_BENCH_DATA ?? '../shared/data/aia');

/** One input of the fixed dataset, named by its checksum so a changed file can never be timed silently. */
export interface DatasetFile {
  /** Path under ../shared/data/aia. */
  path: string;
  sha256: string;
  /** What it is benchmarked for: the 4096² frames carry every benchmark, the small real files level 1.5. */
  role: 'full-resolution' | 'small-real';
  /** The one input of a smoke run (`--smoke`: a software GPU adapter, where even 2048² takes minutes). */
  smoke?: true;
}

/**
 * The fixed dataset. The full sha256 of each file is here (MANIFEST.md prints only a prefix for the
 * 4096² frames); a different file under the same name stops the run instead of producing figures
 * that cannot be compared with the history.
 */
export const DATASET: readonly DatasetFile[] = [
  {
    path: 'fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits',
    sha256: '3da434bfc009b33043ebf37b83a17fd33d9e0fdfef9a94aef991a600e51b46b4',
    role: 'full-resolution',
  },
  {
    path: 'fullres_l1_synthetic/aia_lev1_193a_2014_01_01t00_00_synthetic.fits',
    sha256: 'e32a217a998f9bfc91c0487080d120e928ca950bf31dde8922e310f0014b383e',
    role: 'full-resolution',
  },
  {
    path: 'fullres_l1_synthetic/aia_lev1_211a_2014_01_01t00_00_synthetic.fits',
    sha256: '0da0d823b638ef79bbc1e9faa23a5f0ce8317decbe157fa3e771c150100b36d2',
    role: 'full-resolution',
  },
  {
    path: 'fullres_l1_synthetic/aia_lev1_94a_2014_01_01t00_00_synthetic.fits',
    sha256: '81739745cbe0b030d413f13b2a6a79c9ebe2391f7300cad623010c02d1ce93d5',
    role: 'full-resolution',
  },
  {
    path: 'lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits',
    sha256: '396b9ef5cbc1cbe2f2af806758f449cfd36f352826b61295e6330859ac7f7652',
    role: 'small-real',
  },
  {
    path: 'lowres_l1/sunpy_test_aia_171_level1_128px.fits',
    sha256: '71d7f9f56908bd22d5dcac015884117c57c45f30951131bf4abdc06c55cb0280',
    role: 'small-real',
    smoke: true,
  },
];

/** A dataset file as found on this machine: its absolute path, size and verified checksum. */
export interface VerifiedInput extends DatasetFile {
  file: string;
  name: string;
  bytes: number;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hashes every input before anything is timed; throws naming each missing or changed file. */
export async function verifyDataset(files: readonly DatasetFile[] = DATASET): Promise<VerifiedInput[]> {
  const problems: string[] = [];
  const verified: VerifiedInput[] = [];
  for (const entry of files) {
    const file = join(dataRoot, entry.path);
    try {
      const [actual, info] = await Promise.all([sha256Of(file), stat(file)]);
      if (actual !== entry.sha256) problems.push(`${entry.path}: sha256 ${actual}, expected ${entry.sha256}`);
      else verified.push({ ...entry, file, name: basename(file), bytes: info.size });
    } catch (error) {
      problems.push(`${entry.path}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`the benchmark dataset in ${dataRoot} is not the fixed one:\n  ${problems.join('\n  ')}`);
  }
  return verified;
}
