import type { MessagePortMain } from 'electron';
import type { HostLink } from '../main/gpuHost/hostEndpoint.js';
import { decodeMessage, OP, textPayload, type AdapterReport } from '../main/engine/compute/gpu/protocol.js';
import type { GpuAdapterSummary, GpuStatus } from './desktopChannels.js';

/**
 * The GPU host's binary messages over Electron's MessagePortMain. Both ends post without a transfer
 * list: an ArrayBuffer transferred to or from a MessagePortMain arrives without its data
 * (electron#34905, #37157), so the page's greeting would not decode and every backend would wait for
 * it. A copy per message costs little beside the GPU work it carries.
 */
export function portLink(port: MessagePortMain, onFault: (error: Error) => void): HostLink {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.on('message', (event) => {
        // Thrown here it would reach Electron's event loop as an uncaught exception.
        try {
          listener(portMessageBytes(event.data));
        } catch (error) {
          onFault(error instanceof Error ? error : new Error(String(error)));
        }
      });
      port.start();
    },
  };
}

/**
 * A message's bytes as the protocol's ArrayBuffer: a cloned ArrayBuffer as it is, a typed array or
 * Buffer as a copy of exactly its view. Anything else is a fault of the page, said as such.
 */
export function portMessageBytes(data: unknown): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    const bytes = new Uint8Array(data.byteLength);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return bytes.buffer;
  }
  throw new TypeError(`the GPU host page sent ${data === null ? 'null' : typeof data}, not bytes`);
}

/** The page's first message: hello with its adapter, or an error saying why it has none. */
export function greetingStatus(greeting: ArrayBuffer): GpuStatus {
  const said = decodeMessage(greeting);
  if (said.op === OP.hello)
    return { state: 'ready', adapter: summary(JSON.parse(textPayload(said.payloads[1])) as AdapterReport) };
  if (said.op === OP.error) return { state: 'unavailable', reason: textPayload(said.payloads[0]) };
  throw new Error(`the first message was op ${said.op}, not hello`);
}

function summary(report: AdapterReport): GpuAdapterSummary {
  const { mode, software, vendor, architecture, device, features, limits } = report;
  return {
    mode,
    software,
    vendor,
    architecture,
    device,
    description: report.description,
    features,
    limits: {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    },
  };
}
