import type { InputCheck } from '../api/appApi.js';
import { formatFileSize } from './fileSize.js';
import { observationText } from './observationText.js';

/** How a batch input stands before it is queued: still being checked, fine, usable with a caveat, or refused. */
export type VerdictState = 'checking' | 'ok' | 'warning' | 'refused';

export interface InputVerdict {
  state: VerdictState;
  /** One line for the row. */
  text: string;
  /** Everything, for the row's tooltip. */
  detail: string;
  /** A file's level 1.6: whether it can be made, and why not; absent for a folder or a refused path. */
  level16?: { can: boolean; why?: string };
}

const lastName = (path: string) => path.split(/[\\/]/).filter(Boolean).pop() ?? path;

/**
 * The row of one input, from the services' check (undefined while it runs) and the recipe's levels: a
 * file that cannot have level 1.6 is refused when 1.6 is all the recipe asks for (its job could only
 * fail), a warning beside level 1.5 (it will get level 1.5 only).
 */
export function inputVerdict(check: InputCheck | undefined, levels: readonly string[]): InputVerdict {
  if (!check) return { state: 'checking', text: 'checking…', detail: 'reading its headers' };
  if (check.refused) return { state: 'refused', text: check.refused.message, detail: check.refused.message };
  const wants16 = levels.includes('1.6');
  const only16 = wants16 && levels.every((l) => l === '1.6');
  if (check.file) {
    const { observation, size, warnings, noLevel16 } = check.file;
    const facts = `${observationText(observation)} · ${formatFileSize(size)}`;
    const level16 = { can: noLevel16 === undefined, ...(noLevel16 !== undefined && { why: noLevel16 }) };
    if (wants16 && noLevel16 !== undefined) {
      const text = only16 ? `no level 1.6: ${noLevel16}` : `level 1.5 only: ${noLevel16}`;
      return {
        state: only16 ? 'refused' : 'warning',
        text,
        detail: [facts, text, ...warnings].join('\n'),
        level16,
      };
    }
    return {
      state: warnings.length ? 'warning' : 'ok',
      text: facts,
      detail: [facts, ...warnings.map((w) => `⚠ ${w}`)].join('\n'),
      level16,
    };
  }
  const folder = check.folder!;
  if (folder.files === 0) {
    const text = 'no FITS files in this folder (.fits, .fts, .fits.fz)';
    return { state: 'refused', text, detail: text };
  }
  const parts = [`folder · ${folder.files} FITS file${folder.files === 1 ? '' : 's'}`];
  if (folder.checked < folder.files) parts.push(`first ${folder.checked} checked`);
  if (folder.refused) parts.push(`${folder.refused} refused`);
  if (wants16 && folder.noLevel16) parts.push(`${folder.noLevel16} without level 1.6`);
  const text = parts.join(' · ');
  const example =
    folder.firstRefused && `${lastName(folder.firstRefused.path)}: ${folder.firstRefused.message}`;
  const usable = folder.checked - folder.refused - (only16 ? folder.noLevel16 : 0);
  return {
    state: usable <= 0 && folder.checked === folder.files ? 'refused' : text === parts[0] ? 'ok' : 'warning',
    text,
    detail: [text, ...(example ? [`e.g. ${example}`] : [])].join('\n'),
  };
}

/** What Start would queue: the inputs not refused, by their resolved paths; how many are refused or still checked. */
export function batchPlan(
  selected: readonly string[],
  checks: ReadonlyMap<string, InputCheck>,
  levels: readonly string[],
): { submit: string[]; refused: number; checking: number } {
  const plan = { submit: [] as string[], refused: 0, checking: 0 };
  for (const path of selected) {
    const check = checks.get(path);
    const state = inputVerdict(check, levels).state;
    if (state === 'checking') plan.checking++;
    else if (state === 'refused') plan.refused++;
    else plan.submit.push(check!.resolved);
  }
  return plan;
}
