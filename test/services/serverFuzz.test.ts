import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { SMALL, scratch, seededRandom, until } from './helpers.js';

/**
 * `serve` as its own process, fed malformed HTTP requests, headers, upgrades and WebSocket frames
 * (seeded, so a failure replays): it must stay up, answer a valid request afterwards, and finish the
 * jobs that were in flight meanwhile.
 */
describe('no request, frame or upgrade stops serve', () => {
  it('survives a seeded fuzz of HTTP, upgrades and WebSocket frames, with jobs in flight', async () => {
    const [data, out, inputs] = [await scratch('fuzz'), await scratch('fuzz'), await scratch('fuzz')];
    const child = spawn(
      join(REPO_ROOT, 'node_modules/.bin/vite-node'),
      [join(REPO_ROOT, 'test/services/cliChild.ts'), '--', 'serve', '--data-dir', data, '--backend', 'cpu'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIA_STUDIO_THREADS: '1' } },
    );
    const lines: string[] = [];
    let stderr = '';
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let exited: number | null | undefined;
    child.on('exit', (code, signal) => (exited = code ?? (signal ? -1 : null)));
    try {
      await until(() => lines.length > 0 || exited !== undefined, 60_000);
      const match = /^AIA Studio at http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)$/.exec(lines[0] ?? '');
      expect(match, lines[0] ?? stderr).not.toBeNull();
      const server = { port: Number(match![1]), token: match![2] };
      const call = async (command: string, request: object) => {
        const response = await fetch(`http://127.0.0.1:${server.port}/api/${command}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.token}` },
          body: JSON.stringify(request),
        });
        return (await response.json()) as { ok: boolean; result: { jobs: { id: string; state: string }[] } };
      };

      const random = seededRandom(14);
      const cases = fuzzCases(random, server);
      const submitted: string[] = [];
      let sent = 0;
      // Eight connections at a time; a job is submitted every 40 cases, so jobs are in flight throughout.
      const lanes = Array.from({ length: 8 }, async () => {
        for (let next = cases.shift(); next; next = cases.shift()) {
          if (++sent % 40 === 0) {
            const input = join(inputs, `frame_${sent}.fits`);
            await copyFile(SMALL, input);
            const reply = await call('submitBatch', {
              inputs: [input],
              recipe: { outputDir: out, levels: ['1.5'] },
            });
            submitted.push(reply.result.jobs[0].id);
          }
          await next();
          expect(exited, `serve died after fuzz case ${sent}: ${stderr}`).toBeUndefined();
        }
      });
      await Promise.all(lanes);
      console.log(`fuzz: ${sent} cases sent, ${submitted.length} jobs submitted during it`);
      expect(sent).toBeGreaterThanOrEqual(600);

      const listed = await call('listJobs', {});
      expect(listed.ok).toBe(true);
      await until(async () => {
        const { result } = await call('listJobs', {});
        return submitted.every((id) => result.jobs.find((j) => j.id === id)?.state === 'done');
      }, 120_000);
      expect(exited).toBeUndefined();
      expect(stderr).not.toMatch(/Uncaught|TypeError|Invalid URL/);
    } finally {
      child.kill('SIGINT');
      await until(() => exited !== undefined, 30_000).catch(() => child.kill('SIGKILL'));
    }
  }, 300_000);
});

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const bytes = (random: Random, n: number) =>
  Buffer.from(Array.from({ length: n }, () => (random() * 256) | 0));

/** Commands that only read or touch nothing outside the scratch folders (not clearFinished: the jobs
 * checked at the end must stay listed), with odd names beside them. */
const COMMANDS = [
  'listJobs', 'getJob', 'jobMetrics', 'cancelJob', 'retryJob', 'setJobPriority',
  'getSettings', 'imageInfo', 'imagePreview', 'imagePixels', 'listFolder', 'benchHistory',
  'listWatchFolders', '__proto__', 'constructor', 'toString', '', 'x'.repeat(5000),
]; // prettier-ignore

/** A random JSON value: scalars, odd strings, nesting, sometimes deep. */
function value(random: Random, depth = 0): unknown {
  const r = random();
  if (depth > 3 || r < 0.3)
    return pick(random, [
      null,
      0,
      -1,
      1e308,
      NaN,
      true,
      '',
      '\u0000',
      '../../etc/passwd',
      'ö'.repeat(100),
      {},
    ]);
  if (r < 0.5) return Array.from({ length: (random() * 4) | 0 }, () => value(random, depth + 1));
  const keys = [
    'id',
    'path',
    'job',
    'level',
    'region',
    'maxSize',
    'priority',
    'states',
    'source',
    '__proto__',
  ];
  return Object.fromEntries(
    Array.from({ length: (random() * 4) | 0 }, () => [pick(random, keys), value(random, depth + 1)]),
  );
}

/** A random JSON text; sometimes nested 5000 deep. */
const jsonText = (random: Random) =>
  random() < 0.05 ? '['.repeat(5000) + ']'.repeat(5000) : JSON.stringify(value(random));

/** One WebSocket frame as a client sends it (masked unless told otherwise). */
function frame(
  opcode: number,
  payload: Buffer,
  { fin = true, mask = true, rsv = 0, length = payload.length } = {},
) {
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const extended: number[] = [];
  if (length < 126) head.push((mask ? 0x80 : 0) | length);
  else if (length < 65536) {
    head.push((mask ? 0x80 : 0) | 126);
    extended.push(length >> 8, length & 0xff);
  } else {
    head.push((mask ? 0x80 : 0) | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    extended.push(...big);
  }
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload.map((b, i) => (mask ? b ^ key[i % 4] : b)));
  return Buffer.concat([Buffer.from(head), Buffer.from(extended), key, body]);
}

/** Writes the chunks on a fresh connection, waits until the server closes it or a moment passed. */
function exchange(port: number, chunks: (Buffer | string)[], linger = 150): Promise<void> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      socket.destroy();
      done();
    };
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('data', () => undefined);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      setTimeout(finish, linger);
    });
  });
}

function fuzzCases(random: Random, server: { port: number; token: string }): (() => Promise<void>)[] {
  const { port, token } = server;
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const upgrade = (path: string, extra = '') =>
    `GET ${path} HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n${extra}\r\n`;
  const text = (s: string) => frame(1, Buffer.from(s));
  const message = () =>
    `{"id":${jsonText(random)},"command":${JSON.stringify(pick(random, COMMANDS))},"request":${jsonText(random)}}`;
  const badPaths = [
    'http://x:99999/ws', 'http://[::1/ws', '//ws', '/ws?token=%zz', `/ws?token=${token}&token=x`, '*', '/%',
    `/%E0%A4%A?token=${token}`, `/api/..%2f..%2fetc?token=${token}`, `/../../etc/passwd?token=${token}`,
    'http://127.0.0.1:1/ws', `/ws?token=${token}#x`, '/ws\u0000', 'ws://x/ws', `/${'a'.repeat(20_000)}`,
  ]; // prettier-ignore

  const http: (() => (Buffer | string)[])[] = [
    () => [bytes(random, 1 + ((random() * 2000) | 0))],
    () => [`${pick(random, ['GET', 'POST', 'PUT', 'OPTIONS', 'FOO', 'CONNECT'])} ${pick(random, badPaths)} HTTP/1.1\r\n${host}\r\n`],
    () => [upgrade(pick(random, badPaths))],
    () => [upgrade(pick(random, badPaths), `Authorization: Bearer ${token}\r\n`)],
    () => [upgrade(`/ws?token=${token}`, `Origin: ${pick(random, ['null', 'http://evil', '\t', 'x'.repeat(9000)])}\r\n`)],
    () => [`GET /ws?token=${token} HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: ${pick(random, ['8', 'x', ''])}\r\n\r\n`],
    () => [`GET /ws?token=${token} HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n`],
    () => [`POST /api/${pick(random, COMMANDS)}?token=${token} HTTP/1.1\r\n${host}Content-Length: 100\r\n\r\n{"id":`],
    () => [`POST /api/listJobs?token=${token} HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n`],
    () => [`POST /api/listJobs?token=${token} HTTP/1.1\r\n${host}Content-Length: 2000000\r\n\r\n`, Buffer.alloc(1_200_000, 0x41)],
    () => { const body = jsonText(random); return [`POST /api/${pick(random, COMMANDS)}?token=${token} HTTP/1.1\r\n${host}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`]; },
    () => [`GET / HTTP/1.1\r\n${host}${'X-A: b\r\n'.repeat(3000)}\r\n`],
    () => [`GET /?token=${token} HTTP/1.1\r\nHost: ${pick(random, ['', 'evil', '127.0.0.1:99999', '\u00ff'])}\r\n\r\n`],
    () => [`GET /?token=${token} HTTP/1.1\r\n${host}\r\nGET /x HTTP/1.1\r\n${host}\r\n${bytes(random, 50).toString('latin1')}`],
    () => [`GET /?token=${token} HTTP/1.1\r\n${host}Cookie: aia_token=${'x'.repeat((random() * 50) | 0)}\r\n\r\n`],
  ]; // prettier-ignore

  const frames: (() => Buffer[])[] = [
    () => [text(pick(random, ['null', '[]', '1', '"x"', '{}', 'true', '{"command":null}', '{"id":1}']))],
    () => [text(message())],
    () => [text(message()), text(message()), text(message())],
    () => [frame(2, bytes(random, (random() * 300) | 0))],
    () => [frame(1, Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0xfe]))],
    () => [frame(1, Buffer.from('{"command":'), { fin: false }), frame(0, Buffer.from('"listJobs"}'))],
    () => [frame(1, Buffer.from('{"comm'), { fin: false }), frame(9, Buffer.from('p')), frame(0, Buffer.from('and":"getSettings"}'))],
    () => [frame(1, Buffer.from('never finished'), { fin: false })],
    () => [frame(0, Buffer.from('continuation without a start'))],
    () => [frame(1, Buffer.from('unmasked'), { mask: false })],
    () => [frame(pick(random, [3, 4, 5, 6, 7, 11, 15]), bytes(random, 10))],
    () => [frame(1, Buffer.from('{}'), { rsv: 1 + ((random() * 7) | 0) })],
    () => [frame(8, Buffer.from([0x03, 0xe7]))],
    () => [frame(9, bytes(random, 200))],
    () => [frame(1, Buffer.alloc(16), { length: 2 ** 52 })],
    () => [frame(1, Buffer.alloc((1 << 20) + 10, 0x20))],
    () => [bytes(random, 1 + ((random() * 500) | 0))],
  ]; // prettier-ignore

  // The two that stopped it before: an upgrade whose URL doesn't parse, without a token; a text frame `null`.
  const cases: (() => Promise<void>)[] = [
    () => exchange(port, [upgrade('http://x:99999/ws')]),
    () => exchange(port, [upgrade(`/ws?token=${token}`), text('null')], 250),
  ];
  for (let i = 0; i < 320; i++) {
    const chunks = pick(random, http)();
    cases.push(() => exchange(port, chunks));
  }
  for (let i = 0; i < 320; i++) {
    const chunks = pick(random, frames)();
    // The handshake and the frames in one write too, sometimes: the server reads them as one chunk.
    const handshake = upgrade(`/ws?token=${token}`);
    const together = random() < 0.2;
    cases.push(() => exchange(port, together ? [Buffer.concat([Buffer.from(handshake), ...chunks])] : [handshake, ...chunks], 250));
  } // prettier-ignore
  return cases;
}
