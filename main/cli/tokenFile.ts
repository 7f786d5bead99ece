import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { newAccessToken } from '../services/localServer.js';

/** What a token file may hold: what newAccessToken makes, or a hand-written secret as long. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,256}$/;

/**
 * `serve --token-file FILE`: the token kept in FILE so a bookmarked address survives restarts.
 * An existing FILE must be this user's and readable by nobody else (it is the key to the server);
 * a missing one (and its folder) gets a fresh token, written 0600 under a temporary name and linked into place, so
 * it never exists with a wider mode or half written, and a concurrent start never overwrites it.
 */
export async function tokenFromFile(path: string): Promise<string> {
  const existing = await readTokenFile(path);
  if (existing !== undefined) return existing;
  const token = newAccessToken();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
  } catch (error) {
    // Another start made it first: use its token.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readTokenFile(path))!;
  } finally {
    await unlink(temporary);
  }
  return token;
}

async function readTokenFile(path: string): Promise<string | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isFile()) throw new Error(`token file ${path} is not a regular file`);
  // POSIX only: Windows has no owner ids or mode bits to check.
  const uid = process.getuid?.();
  if (uid !== undefined) {
    if (info.uid !== uid)
      throw new Error(`token file ${path} is not owned by this user (uid ${uid}); refusing it`);
    if ((info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(
        `token file ${path} has mode ${mode}, readable or writable by others; refusing it (chmod 600 ${path})`,
      );
    }
  }
  const token = (await readFile(path, 'utf8')).trim();
  if (!TOKEN_SHAPE.test(token)) {
    throw new Error(`token file ${path} does not hold a token (32–256 characters of A–Z a–z 0–9 _ -)`);
  }
  return token;
}
