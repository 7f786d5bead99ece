/**
 * Hashes of the code that makes a value: a module's text and that of every module it imports, so that
 * what is kept on disk (the prebuilt kernel module, cached transfer functions) is never taken by code
 * that would make it otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

/**
 * `entry` and the files it imports by relative path (static or dynamic), transitively, sorted; under
 * Vitest, from TypeScript sources, an import of `x.js` is the file `x.ts`.
 */
export function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (imported: string): void => {
    const file = !existsSync(imported) && imported.endsWith('.js') ? `${imported.slice(0, -3)}.ts` : imported;
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g))
      visit(resolve(dirname(file), specifier));
  };
  visit(entry);
  return [...seen].sort();
}

/** SHA-256 of the text of `entry` and of every file in its import closure: changes with any of them. */
export function closureHash(entry: string): string {
  const hash = createHash('sha256');
  for (const file of importClosure(entry))
    hash.update(relative(dirname(entry), file)).update(readFileSync(file));
  return hash.digest('hex');
}
