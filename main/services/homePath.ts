import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A leading `~` (alone, or before a `/`) as the user's home folder, as a shell would expand it.
 * Paths typed in the app reach the services unexpanded (no shell between), and `~/x.fits` must not
 * become `<cwd>/~/x.fits`. `~user/…` is not one (the contract refuses it): the services know only their own home.
 */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
