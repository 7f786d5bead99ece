import { computed, type Ref } from 'vue';
import type { Job } from '../api/appApi.js';
import {
  channelSeries,
  nearestFrame,
  parseObsTime,
  seriesChannels,
  seriesFrames,
} from '../viewer/observationSeries.js';

/** The keys of time navigation and movies, for the "?" overlay (handled by onSeriesKey). */
export const SERIES_SHORTCUTS = [
  { keys: 'ctrl+← ctrl+→', does: 'previous / next observation of the channel (movie: frame)' },
  { keys: 'ctrl+home ctrl+end', does: 'first / last observation of the channel' },
  { keys: 'space', does: 'movie: play / pause' },
];

/**
 * Compare's place in the batch as a time series: the finished jobs of the shown job's channel, in
 * T_OBS order, and steps through them (previous/next, first/last, to a typed time, to another
 * channel at the nearest time). Moves by setting `jobId`.
 */
export function useSeriesNavigation(jobId: Ref<string | undefined>, jobs: Ref<Job[]>) {
  const frames = computed(() => seriesFrames(jobs.value));
  const current = computed(() => frames.value.find((f) => f.jobId === jobId.value));
  const channels = computed(() => seriesChannels(frames.value));
  const series = computed(() => channelSeries(frames.value, current.value?.channel));
  const index = computed(() => series.value.findIndex((f) => f.jobId === jobId.value));

  function goTo(i: number): void {
    const frame = series.value[Math.max(0, Math.min(series.value.length - 1, i))];
    if (frame) jobId.value = frame.jobId;
  }

  return {
    series,
    current,
    channels,
    index,
    goTo,
    step: (by: number) => goTo(index.value + by),
    /** To the observation of the channel nearest a typed time; false when the text is not a time. */
    jumpTo(text: string): boolean {
      const ms = parseObsTime(text);
      if (ms === undefined) return false;
      goTo(nearestFrame(series.value, ms));
      return true;
    },
    /** To `channel`'s observation nearest the time shown. */
    toChannel(channel: number): void {
      const other = channelSeries(frames.value, channel);
      const frame = other[nearestFrame(other, current.value?.ms ?? 0)];
      if (frame) jobId.value = frame.jobId;
    },
  };
}

export type SeriesNavigation = ReturnType<typeof useSeriesNavigation>;

/**
 * Ctrl+←/→ (previous/next), Ctrl+Home/End (first/last): `step` and `goTo` act on the observations,
 * or on the movie's frames while it is open; space plays and pauses the movie. Not in a text field.
 */
export function onSeriesKey(
  event: KeyboardEvent,
  target: { step: (by: number) => void; goTo: (i: number) => void; last: () => number },
  togglePlay?: () => void,
): void {
  if ((event.target as HTMLElement | null)?.closest?.('input, select, textarea')) return;
  const ctrl = event.ctrlKey || event.metaKey;
  const actions: Record<string, (() => void) | undefined> = {
    ArrowLeft: ctrl ? () => target.step(-1) : undefined,
    ArrowRight: ctrl ? () => target.step(1) : undefined,
    Home: ctrl ? () => target.goTo(0) : undefined,
    End: ctrl ? () => target.goTo(target.last()) : undefined,
    ' ': !ctrl ? togglePlay : undefined,
  };
  const action = actions[event.key];
  if (!action || event.altKey) return;
  action();
  event.preventDefault();
}
