/**
 * Runs `work` in a task of its own, after the current one: animation-frame callbacks (draw, fence
 * checks, uploads) and the promise reactions they start otherwise all run in one task, which the
 * Long Tasks API (and the user) sees as one.
 */
export function inOwnTask(work: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    work();
  };
  channel.port2.postMessage(undefined);
}
