import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest's global setup: every scratch folder of the run (mkdtemp under os.tmpdir(), in the test
 * workers and the processes they start, which inherit TMPDIR) lies in one folder, removed when the
 * run ends. A 4096² test writes hundreds of MB; left behind run after run, they filled the disk.
 */
export default function scratchFolder(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'aia-studio-tests-'));
  process.env.TMPDIR = folder;
  return () => rmSync(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
