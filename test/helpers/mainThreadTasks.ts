import type { Browser, Page } from 'playwright-core';

/** One task of the page's main thread: its wall time and the CPU time its thread spent in it. */
export interface MainThreadTask {
  wallMs: number;
  cpuMs: number;
}

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/**
 * Every task the page's main thread ran while `action` ran, from a Chromium trace ('toplevel': each
 * task with its wall and thread time). On a machine whose cores are busy, a task's wall time grows by
 * the time its thread waited for a core; its CPU time is the page's own work that held the page.
 */
export async function mainThreadTasks(
  browser: Browser,
  page: Page,
  action: () => Promise<void>,
): Promise<MainThreadTask[]> {
  await browser.startTracing(page, { categories: ['toplevel'] });
  let trace: Buffer;
  try {
    await action();
  } finally {
    trace = await browser.stopTracing();
  }
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const main = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const tasks = events.filter(
    (e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`),
  );
  // Without thread times every task would read 0 ms of CPU: no measure at all, not a good one.
  if (!tasks.some((e) => e.tdur !== undefined))
    throw new Error("the trace has no main-thread task's CPU time");
  return tasks.map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
}
