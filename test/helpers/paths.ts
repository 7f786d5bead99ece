import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The project's shared AIA files live beside the checkout (../shared/data/aia), as in CI. A file a test
 * names must be there: a missing one fails the test saying which, never skips it.
 */
export function sharedData(relativePath = ''): string {
  const root = resolve(REPO_ROOT, '../shared/data/aia');
  if (!existsSync(root))
    throw new Error(`shared AIA data not found at ${root}: tests need ../shared beside the repo`);
  const path = join(root, relativePath);
  if (!existsSync(path))
    throw new Error(`shared AIA file not found: ${path} (${root}/MANIFEST.md lists what the tests use)`);
  return path;
}

export function fixture(relativePath: string): string {
  return join(REPO_ROOT, 'test/fixtures', relativePath);
}
