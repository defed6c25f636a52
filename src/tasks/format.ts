/**
 * The response grammar, parsed strictly, and the answer schemas every family builds on.
 *
 *   response := <thinking> T* </thinking> <answer> A* </answer> (<eos> | <pad>)*
 *
 * where T and A are any tokens except the seven template tokens (pad, bos, eos and the four tags). The
 * response is what the model wrote after the prompt, so it starts with `<thinking>` itself: a leading
 * token, a second answer block, an answer before the thinking, a missing `</answer>` (a truncated
 * response) or anything but eos/pad after `</answer>` fails the format. Empty thinking and an empty
 * answer both pass the format; the empty answer then fails every schema.
 *
 * Ids at or above VOCAB_SIZE (a model whose output layer is wider than the vocabulary, e.g. 64) are
 * ordinary non-template tokens here: they fail the schemas, they do not throw.
 *
 * Not here: the accuracy of an answer (each family) or the reward combination (score.ts).
 * Reference: shared g2rpo-spec §4 (the released code's format/structure terms).
 */
import { InputError } from '../rl/errors.js';
import {
  ANSWER_CLOSE,
  ANSWER_OPEN,
  DIGIT_0,
  EOS,
  FONT_LETTERS,
  LETTER_0,
  MINUS,
  NO,
  PAD,
  SEP,
  SPECIAL_IDS,
  THINK_CLOSE,
  THINK_OPEN,
  YES,
} from './vocab.js';

export type ParsedResponse =
  | { readonly ok: true; readonly thinking: number[]; readonly answer: number[] }
  | { readonly ok: false; readonly reason: string };

/** Splits a response into its thinking and answer parts, or says why it does not match the template. */
export function parseResponse(response: ArrayLike<number>): ParsedResponse {
  const n = response.length;
  for (let i = 0; i < n; i++) {
    const k = response[i];
    if (!Number.isInteger(k) || k < 0) throw new InputError(`response[${i}]`, `not a token id (got ${String(k)})`);
  }
  let i = 0;
  // A part runs from just after its opening tag to its closing tag, with no template token inside.
  const part = (open: number, close: number, name: string): number[] | string => {
    if (i >= n || response[i] !== open) return `expected <${name}> at position ${i}`;
    i++;
    const body: number[] = [];
    while (i < n && response[i] !== close) {
      if (SPECIAL_IDS.has(response[i])) return `template token ${response[i]} inside <${name}> at position ${i}`;
      body.push(response[i++]);
    }
    if (i >= n) return `missing </${name}>`;
    i++;
    return body;
  };
  const thinking = part(THINK_OPEN, THINK_CLOSE, 'thinking');
  if (typeof thinking === 'string') return { ok: false, reason: thinking };
  const answer = part(ANSWER_OPEN, ANSWER_CLOSE, 'answer');
  if (typeof answer === 'string') return { ok: false, reason: answer };
  for (; i < n; i++) {
    if (response[i] !== EOS && response[i] !== PAD) return { ok: false, reason: `token ${response[i]} after </answer> at position ${i}` };
  }
  return { ok: true, thinking, answer };
}

/** The digit value of a token id, or −1 if it is not a digit. */
function digitOf(k: number): number {
  return k >= DIGIT_0 && k < DIGIT_0 + 10 ? k - DIGIT_0 : -1;
}

/** Longest integer the schemas accept: more digits is never a sensible answer here and could lose precision. */
export const MAX_INTEGER_DIGITS = 6;

/**
 * One integer in canonical form: an optional '-' then 1–6 digits, no leading zero ("07" and "-0" are
 * rejected, so every integer has exactly one spelling and a policy cannot split its mass over two).
 */
export function parseInteger(ids: readonly number[]): number | null {
  let i = 0;
  const negative = ids.length > 0 && ids[0] === MINUS;
  if (negative) i = 1;
  const digits = ids.length - i;
  if (digits < 1 || digits > MAX_INTEGER_DIGITS) return null;
  if (digits > 1 && ids[i] === DIGIT_0) return null;
  let v = 0;
  for (; i < ids.length; i++) {
    const d = digitOf(ids[i]);
    if (d < 0) return null;
    v = 10 * v + d;
  }
  if (negative && v === 0) return null;
  return negative ? -v : v;
}

/** Exactly `count` canonical integers separated by single ',' tokens. */
export function parseIntegerList(ids: readonly number[], count: number): number[] | null {
  const out: number[] = [];
  let start = 0;
  for (let i = 0; i <= ids.length; i++) {
    if (i === ids.length || ids[i] === SEP) {
      const v = parseInteger(ids.slice(start, i));
      if (v === null) return null;
      out.push(v);
      start = i + 1;
    }
  }
  return out.length === count ? out : null;
}

/** A non-empty string of font letters, nothing else. */
export function parseLetters(ids: readonly number[]): string | null {
  if (ids.length === 0) return null;
  let s = '';
  for (const k of ids) {
    const j = k - LETTER_0;
    if (j < 0 || j >= FONT_LETTERS.length) return null;
    s += FONT_LETTERS[j];
  }
  return s;
}

/** Exactly one token, yes or no. */
export function parseYesNo(ids: readonly number[]): 'yes' | 'no' | null {
  if (ids.length !== 1) return null;
  return ids[0] === YES ? 'yes' : ids[0] === NO ? 'no' : null;
}
