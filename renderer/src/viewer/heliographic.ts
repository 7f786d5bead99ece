import type { HeaderValues } from './helioWcs.js';

/** The observer of an image, for the helioprojective → heliographic step (SI metres, degrees). */
export interface Observer {
  dsun: number;
  /** Stonyhurst longitude and latitude (B0) of the observer. */
  lon: number;
  lat: number;
  rsunRef: number;
}

/** Solar radius AIA headers assume (RSUN_REF), metres. */
const RSUN_REF = 696_000_000;
/** One astronomical unit, metres: the distance assumed when a header lacks DSUN_OBS. */
const AU = 149_597_870_700;

export function observerFromHeader(h: HeaderValues): Observer {
  const n = (k: string) => (typeof h[k] === 'number' ? (h[k] as number) : undefined);
  return {
    dsun: n('DSUN_OBS') ?? AU,
    lon: n('HGLN_OBS') ?? 0,
    lat: n('HGLT_OBS') ?? n('CRLT_OBS') ?? 0,
    rsunRef: n('RSUN_REF') ?? RSUN_REF,
  };
}

const RAD = Math.PI / 180;

/**
 * Helioprojective (Tx, Ty) arcsec → Stonyhurst heliographic (lon, lat) degrees of the point on the solar
 * surface along that line of sight (Thompson 2006, eqs. 15–16 then 11–12), or undefined off the disk.
 */
export function helioprojectiveToHeliographic(
  o: Observer,
  tx: number,
  ty: number,
): { lon: number; lat: number } | undefined {
  const x0 = (tx / 3600) * RAD;
  const y0 = (ty / 3600) * RAD;
  const cosTheta = Math.cos(y0) * Math.cos(x0);
  const b = o.dsun * cosTheta;
  const disc = b * b - (o.dsun * o.dsun - o.rsunRef * o.rsunRef);
  if (disc < 0) return undefined;
  const d = b - Math.sqrt(disc);
  const x = d * Math.cos(y0) * Math.sin(x0);
  const y = d * Math.sin(y0);
  const z = o.dsun - d * cosTheta;
  const r = Math.hypot(x, y, z);
  const b0 = o.lat * RAD;
  const lat = Math.asin((y * Math.cos(b0) + z * Math.sin(b0)) / r) / RAD;
  const lon = o.lon + Math.atan2(x, z * Math.cos(b0) - y * Math.sin(b0)) / RAD;
  return { lon: ((lon + 540) % 360) - 180, lat };
}
