/**
 * Counts the WebGL2 calls made on one context, by name, by wrapping each method of the context
 * object. Test-time instrumentation (`?count=1`): the GPU command-count test reads per-iteration
 * counts of Richardson–Lucy from it, so that a read-back, a fence wait or a growing number of calls
 * between iterations fails a test instead of going unnoticed.
 */
export type CommandCounts = Record<string, number>;

export class CommandCounter {
  private readonly counts = new Map<string, number>();

  constructor(gl: WebGL2RenderingContext) {
    const proto = WebGL2RenderingContext.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const original = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (name === 'constructor' || typeof original !== 'function') continue;
      const counts = this.counts;
      Object.defineProperty(gl, name, {
        configurable: true,
        writable: true,
        value(...args: unknown[]) {
          counts.set(name, (counts.get(name) ?? 0) + 1);
          return (original as (...a: unknown[]) => unknown).apply(gl, args);
        },
      });
    }
  }

  snapshot(): CommandCounts {
    return Object.fromEntries(this.counts);
  }

  /** The calls made since `before` (a snapshot), by name. */
  since(before: CommandCounts): CommandCounts {
    const out: CommandCounts = {};
    for (const [name, n] of this.counts) if (n !== (before[name] ?? 0)) out[name] = n - (before[name] ?? 0);
    return out;
  }
}
