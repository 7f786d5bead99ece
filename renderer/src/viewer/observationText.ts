import type { JobObservation } from '../api/appApi.js';

/** T_OBS as a scientist reads it at a glance: date and whole seconds ("2014-01-01 00:00:12"); the full value goes in a tooltip. */
export function shortObsTime(time: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})/.exec(time.trim());
  return m ? `${m[1]} ${m[2]}` : time.trim();
}

/** "171 Å · 2014-01-01 00:00:12 · 4096²" (the size as "W×H" when not square). */
export function observationText(o: JobObservation): string {
  const size = o.width === o.height ? `${o.width}²` : `${o.width}×${o.height}`;
  return `${o.channel} Å · ${shortObsTime(o.time)} · ${size}`;
}
