import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebSession, type WebSession } from '../helpers/webSession.js';

/**
 * Issue 14, item 6: the journal's repair happens at start-up, before any window connects, so the Queue
 * view must learn it from the app (listJobs) and say what was dropped and where the damaged copy is.
 */
let web: WebSession;
let journal: string;
/** The damaged journal as written: random bytes on line 1, a torn record (no end of line) on line 2. */
let damaged: Buffer;

beforeAll(async () => {
  web = await openWebSession(undefined, (dataDir) => {
    mkdirSync(join(dataDir, 'queue'), { recursive: true });
    journal = join(dataDir, 'queue', 'jobs.jsonl');
    const random = Buffer.from(Array.from({ length: 200 }, (_, i) => 0x80 + ((i * 7919 + 13) % 0x7f)));
    damaged = Buffer.concat([random, Buffer.from('\n{"t":"submit","job":{"id":"j1","se')]);
    writeFileSync(journal, damaged);
  });
});

afterAll(async () => {
  await web?.close();
});

describe('a damaged job journal in web mode', () => {
  it('listJobs reports the repair: the journal, the lines dropped and the copy kept beside it', async () => {
    const { journalRepair } = await web.services.handlers.listJobs({});
    expect(journalRepair?.journal).toBe(journal);
    expect(journalRepair?.dropped.map((d) => d.line).sort()).toEqual([1, 2]);
    expect(journalRepair?.copy).toMatch(/jobs\.jsonl\.damaged-/);
    expect(readFileSync(journalRepair!.copy).equals(damaged)).toBe(true);
    expect(journalRepair?.message).toContain(journalRepair!.copy);
  });

  it('the Queue view shows a notice naming the journal, the dropped lines and the copy, until dismissed', async () => {
    const { journalRepair } = await web.services.handlers.listJobs({});
    const { page } = web;
    await page.goto(web.server.url);
    await page.getByRole('tab', { name: 'Queue' }).click();
    const notice = page.getByTestId('journal-notice');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain(journal);
    expect(text).toContain(journalRepair!.copy);
    expect(text).toMatch(/line 1 \(/);
    expect(text).toMatch(/line 2 \(torn/);
    expect(existsSync(journalRepair!.copy)).toBe(true);
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached' });
    // Dismissed stays dismissed when the Queue view is opened again.
    await page.getByRole('tab', { name: 'Batch' }).click();
    await page.getByRole('tab', { name: 'Queue' }).click();
    expect(await page.getByTestId('journal-notice').count()).toBe(0);
  });
});
