/**
 * int16 samples decoded into the upper half of the float32 grid they are laid out into, so that a fresh
 * process touches the grid's 64 MiB and not 32 MiB more for the samples (4096²).
 *
 * The samples start SAMPLES_PAST_GRID bytes past the grid's middle. Grid rows written in increasing
 * order each land on sample rows before their own, already read: the layout goes in phases, each a
 * run of rows whose writes reach no sample row of the phase or after it, run in bands at once. The first
 * phase is half the rows, the next a quarter, and so on.
 */

/**
 * Bytes between the grid's middle and the samples: a row of samples (2 bytes each) for images up to
 * 32768 wide, so that no grid row lands on its own samples.
 */
export const SAMPLES_PAST_GRID = 1 << 16;

/**
 * The phases [a, b) of rows of a layout of `height` rows, `width` wide, from int16 samples at byte
 * `samplesAt` into a float32 grid at byte `gridAt`.
 */
export function layoutPhases(
  gridAt: number,
  samplesAt: number,
  width: number,
  height: number,
): Array<[number, number]> {
  const [gridPitch, samplesPitch] = [4 * width, 2 * width];
  if (samplesAt - gridAt < 2 * width * height + samplesPitch)
    throw new RangeError('int16 samples too close to the grid for a layout in place');
  const phases: Array<[number, number]> = [];
  for (let a = 0; a < height;) {
    // rows y < b end before sample row a: (y + 1)·gridPitch ≤ samplesAt − gridAt + a·samplesPitch
    const b = Math.min(height, Math.floor((samplesAt - gridAt + a * samplesPitch) / gridPitch));
    phases.push([a, b]);
    a = b;
  }
  return phases;
}
