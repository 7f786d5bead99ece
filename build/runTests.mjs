// `npm test` after the build and type-checks: each Vitest project (vitest.config.ts) in turn, its own
// output as it comes, then a table of the time each took and the totals in Vitest's words
// ("Tests  N passed (N)"). Exits non-zero if any project failed; every project runs even so.
// Usage: node build/runTests.mjs [PROJECT…] (default: all, in the order below).
import { spawn } from 'node:child_process';
import console from 'node:console';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

// the projects of vitest.config.ts, quickest first: a broken build shows in seconds
const ALL = ['unit', 'integration', 'gpu', 'e2e', 'packaging'];
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !ALL.includes(name));
if (unknown.length) {
  console.error(`unknown test project ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  process.exit(2);
}
const projects = asked.length ? asked : ALL;
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

// eslint-disable-next-line no-control-regex
const plainText = (output) => output.replace(/\x1b\[[0-9;]*m/g, '');

/** Vitest's summary counts of one run ("Tests  2 failed | 40 passed | 1 skipped (43)"). */
function countsOf(output) {
  const plain = plainText(output);
  const line = plain.match(/^\s*Tests\s+(.*)\((\d+)\)\s*$/m);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const [, n, kind] of (line?.[1] ?? '').matchAll(/(\d+) (passed|failed|skipped)/g))
    counts[kind] = Number(n);
  return counts;
}

/**
 * Each failed test of one run and the first lines of its error, from Vitest's "Failed Tests" block
 * ("FAIL  project  file > suite > test" then the error). CI keeps only the end of a log, where the
 * block of the first project to fail has long scrolled away: the end of ours repeats them.
 */
function failuresOf(output) {
  const lines = plainText(output).split('\n');
  const failures = [];
  for (const [i, text] of lines.entries()) {
    if (!/^\s*FAIL\s/.test(text) || !text.includes('>')) continue;
    const error = lines.slice(i + 1).find((l) => /\S/.test(l) && !/^\s*FAIL\s/.test(l));
    failures.push([text.trim(), error?.trim() ?? ''].join('\n    '));
  }
  return failures;
}

function run(project) {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [vitest, 'run', '--project', project], {
      stdio: ['inherit', 'pipe', 'pipe'],
      // its output goes through a pipe: colours only where they would have been shown
      env: process.stdout.isTTY ? { FORCE_COLOR: '1', ...process.env } : process.env,
    });
    let output = '';
    // both read: Vitest writes its failures to stderr
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ])
      from.on('data', (chunk) => {
        to.write(chunk);
        output += chunk;
      });
    child.on('close', (code, signal) =>
      done({
        project,
        code: code ?? 1,
        signal,
        seconds: (performance.now() - started) / 1000,
        ...countsOf(output),
        failures: failuresOf(output),
      }),
    );
  });
}

const results = [];
for (const project of projects) {
  console.log(`\n━━ test project ${project} ━━`);
  results.push(await run(project));
}

// rounded before it is split, so 359.6 s is 6:00, not 5:60
const minutes = (s) => {
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
};
const rows = results.map((r) => [
  r.project,
  minutes(r.seconds),
  String(r.passed),
  String(r.failed),
  String(r.skipped),
  r.code === 0 ? 'ok' : r.signal ? `killed (${r.signal})` : `FAILED (exit ${r.code})`,
]);
const total = (key) => results.reduce((sum, r) => sum + r[key], 0);
rows.push([
  'total',
  minutes(total('seconds')),
  ...['passed', 'failed', 'skipped'].map((k) => String(total(k))),
  '',
]);
const head = ['project', 'time', 'passed', 'failed', 'skipped', ''];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) =>
  cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`\n${line(head)}\n${widths.map((w) => '─'.repeat(w)).join('  ')}`);
for (const row of rows) console.log(line(row).trimEnd());

const failures = results.flatMap((r) => r.failures);
if (failures.length)
  console.log(`\nFailed tests:\n${failures.map((f) => `  ${f.slice(0, 600)}`).join('\n')}`);

// The whole suite's summary, in the words of Vitest's last lines (what CI logs are searched for).
const parts = [
  total('failed') && `${total('failed')} failed`,
  `${total('passed')} passed`,
  total('skipped') && `${total('skipped')} skipped`,
].filter(Boolean);
const failed = results.filter((r) => r.code !== 0);
console.log(`\n      Tests  ${parts.join(' | ')} (${total('passed') + total('failed') + total('skipped')})`);
console.log(
  `   Projects  ${failed.length ? `${failed.length} failed | ` : ''}${results.length - failed.length} passed (${results.length})`,
);
process.exit(failed.length ? 1 : 0);
