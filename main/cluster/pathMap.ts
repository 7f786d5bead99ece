import { isAbsolute, sep } from 'node:path';

/** One `--path-map FROM=TO`: a folder as the submitter names it, and where this host mounts it. */
export interface PathPrefix {
  from: string;
  to: string;
}

/** Parses `FROM=TO` (both absolute folders); a bad one throws with the option's text in the message. */
export function parsePathMap(texts: readonly string[]): PathPrefix[] {
  return texts.map((text) => {
    const at = text.indexOf('=');
    const [from, to] = at < 0 ? ['', ''] : [text.slice(0, at), text.slice(at + 1)];
    if (!isAbsolute(from) || !isAbsolute(to))
      throw new Error(`--path-map takes FROM=TO, two absolute folders (got '${text}')`);
    return { from: trimSeparator(from), to: trimSeparator(to) };
  });
}

/**
 * A job's path as this host sees it: the longest FROM that is a whole-folder prefix of the path is
 * replaced by its TO (so /data maps /data/x, never /database/x); a path under no FROM is unchanged.
 */
export function mapPath(path: string, prefixes: readonly PathPrefix[]): string {
  let best: PathPrefix | undefined;
  for (const prefix of prefixes)
    if (
      (path === prefix.from || path.startsWith(prefix.from + sep)) &&
      prefix.from.length > (best?.from.length ?? -1)
    )
      best = prefix;
  return best ? best.to + path.slice(best.from.length) : path;
}

/** The reverse: a path on this host as the job's submitter names it. */
export function unmapPath(path: string, prefixes: readonly PathPrefix[]): string {
  return mapPath(
    path,
    prefixes.map(({ from, to }) => ({ from: to, to: from })),
  );
}

const trimSeparator = (folder: string) => (folder.length > 1 ? folder.replace(/[\\/]+$/, '') : folder);
