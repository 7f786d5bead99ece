import type { HeaderValues } from './helioWcs.js';

/** What a pane's label says about its image: channel, observation time, exposure and pixel unit. */
export interface ObservationLabel {
  channel?: string;
  time?: string;
  exposure?: string;
  unit: string;
}

/**
 * From the FITS header. AIA level 1 files carry no BUNIT: their pixels are DN by definition; our
 * products say DN/s when normalised by exposure (BUNIT), DN otherwise.
 */
export function observationLabel(h: HeaderValues): ObservationLabel {
  const wavelength = h.WAVELNTH;
  const time = typeof h['T_OBS'] === 'string' ? h['T_OBS'] : h['DATE-OBS'];
  const exposure = h.EXPTIME;
  return {
    channel: typeof wavelength === 'number' ? `${wavelength} Å` : undefined,
    time: typeof time === 'string' ? `${time.replace(/Z$/, '').slice(0, 19)} UTC` : undefined,
    exposure: typeof exposure === 'number' ? `${+exposure.toPrecision(4)} s` : undefined,
    unit: typeof h.BUNIT === 'string' && h.BUNIT.trim() ? h.BUNIT.trim() : 'DN',
  };
}

/**
 * The caption burned into an exported picture (PNG or movie frame): what it shows, channel, time
 * (a movie's says what was subtracted) and exposure.
 */
export function exportCaption(what: string, label: ObservationLabel, time = label.time): string {
  return [what, label.channel, time, label.exposure && `exp ${label.exposure}`].filter(Boolean).join(' · ');
}
