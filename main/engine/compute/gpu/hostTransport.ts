import type { AdapterReport, HostMessage, Payload } from './protocol.js';

/**
 * The line to a GPU host page that a GpuBackend computes through: it carries ./protocol.ts messages
 * and knows nothing of what runs the page. Who starts the host (headless Chromium, or a connection
 * to the Electron window's endpoint) lives outside the engine, in main/gpuHost, and hands the
 * backend one of these.
 */
export interface GpuHostTransport {
  /** What the page said about itself when it connected. */
  readonly adapter: HostAdapter;
  /** Where developer captures go: set when the page was asked to capture (Spector.js). */
  readonly captureDir?: string;
  /**
   * Sends one request; resolves with its reply. A failure on the page rejects as GpuHostError (with
   * its ERROR code; GpuDeviceLostError when the GPU context was lost under it); a page that was
   * lost and replaced rejects every request in flight with GpuHostRestartedError.
   */
  request(op: number, params: ArrayLike<number>, payloads: Payload[]): Promise<HostMessage>;
  /** `request` of a message built by the caller (./protocol.ts preparedMessage); its id is set here. */
  requestPrepared(message: ArrayBuffer): Promise<HostMessage>;
  /** `request`, answered before it returns: for the ComputeBackend's synchronous calls. */
  requestNow(op: number, params: ArrayLike<number>, payloads: Payload[]): HostMessage;
  /** Fault injection (tests, developers): what befalls the page under the next request. */
  simulateFault(fault: HostFault): void;
  /** Leaves the page (and stops what was started for it). */
  close(): Promise<void>;
}

/** The page's renderer crashes, its browser crashes, or the page stops answering. */
export type HostFault = 'crashPage' | 'crashBrowser' | 'hang';

/** What the page said about itself when it connected. */
export interface HostAdapter {
  mode: 'webgpu' | 'webgl2';
  /** SwiftShader, llvmpipe or another CPU emulation: right answers, no speed. */
  software: boolean;
  description: string;
  report: AdapterReport;
}

/** A request the GPU host answered with an error, and why (ERROR). */
export class GpuHostError extends Error {
  override name = 'GpuHostError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** The GPU context was lost during a request; the host has recovered, so the next one may succeed. */
export class GpuDeviceLostError extends GpuHostError {
  override name = 'GpuDeviceLostError';
}

/**
 * The GPU host page crashed (or its browser exited, or its window was lost) during a request; the
 * page has been started again, so the next request may succeed.
 */
export class GpuHostRestartedError extends Error {
  override name = 'GpuHostRestartedError';
}
