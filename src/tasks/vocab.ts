/**
 * The shared token vocabulary of the task suite (45 tokens, within the model's vocab of 64): special
 * tokens, the response template's tags, digits, the glyph font's letters, operators, yes/no, colour and
 * shape words, and one question token per task family. Token ids are fixed by the order of `TOKENS`, so
 * a checkpoint trained today still decodes tomorrow: append new tokens, never reorder.
 *
 * Not here: the response grammar (format.ts) or any model-side embedding.
 */
import { InputError } from '../rl/errors.js';

/** The letters of the bitmap font (font.ts): eight shapes that stay distinct at 5×5 pixels. */
export const FONT_LETTERS = ['A', 'C', 'E', 'H', 'L', 'P', 'T', 'X'] as const;
export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const COLOUR_WORDS = ['red', 'green', 'blue', 'yellow'] as const;
export const SHAPE_WORDS = ['circle', 'square', 'triangle'] as const;

export type ColourWord = (typeof COLOUR_WORDS)[number];
export type ShapeWord = (typeof SHAPE_WORDS)[number];
export type FontLetter = (typeof FONT_LETTERS)[number];

/** Every token, in id order. */
export const TOKENS = [
  '<pad>',
  '<bos>',
  '<eos>',
  '<thinking>',
  '</thinking>',
  '<answer>',
  '</answer>',
  ',', // separates consecutive numbers (a box's four coordinates, a count-up in thinking)
  ...DIGITS,
  ...FONT_LETTERS,
  '+',
  '-', // the operator and the sign of a negative number
  'yes',
  'no',
  ...COLOUR_WORDS,
  ...SHAPE_WORDS,
  'left',
  'above',
  'Q_GROUND',
  'Q_READ',
  'Q_COUNT',
  'Q_CHART',
  'Q_SPATIAL',
  'Q_MATH',
] as const;

export type Token = (typeof TOKENS)[number];

export const VOCAB_SIZE = TOKENS.length;
/** The model's bench configuration has a vocabulary of 64; the suite must fit in it. */
export const MAX_VOCAB_SIZE = 64;

const ID = new Map<string, number>(TOKENS.map((t, i) => [t, i]));

function id(token: Token): number {
  return ID.get(token)!;
}

export const PAD = id('<pad>');
export const BOS = id('<bos>');
export const EOS = id('<eos>');
export const THINK_OPEN = id('<thinking>');
export const THINK_CLOSE = id('</thinking>');
export const ANSWER_OPEN = id('<answer>');
export const ANSWER_CLOSE = id('</answer>');
export const SEP = id(',');
export const PLUS = id('+');
export const MINUS = id('-');
export const YES = id('yes');
export const NO = id('no');
export const LEFT = id('left');
export const ABOVE = id('above');
export const Q_GROUND = id('Q_GROUND');
export const Q_READ = id('Q_READ');
export const Q_COUNT = id('Q_COUNT');
export const Q_CHART = id('Q_CHART');
export const Q_SPATIAL = id('Q_SPATIAL');
export const Q_MATH = id('Q_MATH');
/** Id of digit d (0–9): the digits are contiguous, so DIGIT_0 + d. */
export const DIGIT_0 = id('0');
/** Id of the first font letter; the letters are contiguous in FONT_LETTERS order. */
export const LETTER_0 = id(FONT_LETTERS[0]);

/** The tokens that shape the template; they may not appear inside thinking or answer text. */
export const SPECIAL_IDS: ReadonlySet<number> = new Set([PAD, BOS, EOS, THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE]);

export function tokenId(token: string): number {
  const i = ID.get(token);
  if (i === undefined) throw new InputError('token', `unknown token ${JSON.stringify(token)}`);
  return i;
}

/** Token strings → ids; an unknown token throws naming it and its position. */
export function encode(tokens: readonly string[]): number[] {
  return tokens.map((t, i) => {
    const k = ID.get(t);
    if (k === undefined) throw new InputError(`tokens[${i}]`, `unknown token ${JSON.stringify(t)}`);
    return k;
  });
}

/** Ids → token strings; an id outside [0, VOCAB_SIZE) or not an integer throws naming its position. */
export function decode(ids: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i];
    if (!Number.isInteger(k) || k < 0 || k >= VOCAB_SIZE) {
      throw new InputError(`ids[${i}]`, `not a token id in [0, ${VOCAB_SIZE}) (got ${String(k)})`);
    }
    out.push(TOKENS[k]);
  }
  return out;
}

/** A readable one-line rendering, tokens joined by spaces (for logs and docs). */
export function show(ids: ArrayLike<number>): string {
  return decode(ids).join(' ');
}

/**
 * The response template as ids: `<thinking> …thinking </thinking> <answer> …answer </answer> <eos>`.
 * Takes token strings; a template token inside either part throws, since the result would not parse.
 */
export function formatResponse(thinking: readonly string[], answer: readonly string[]): number[] {
  const t = encode(thinking);
  const a = encode(answer);
  t.forEach((k, i) => {
    if (SPECIAL_IDS.has(k)) throw new InputError(`thinking[${i}]`, `template token ${TOKENS[k]} inside the thinking part`);
  });
  a.forEach((k, i) => {
    if (SPECIAL_IDS.has(k)) throw new InputError(`answer[${i}]`, `template token ${TOKENS[k]} inside the answer part`);
  });
  return [THINK_OPEN, ...t, THINK_CLOSE, ANSWER_OPEN, ...a, ANSWER_CLOSE, EOS];
}

/** Token strings of a non-negative or negative integer: −12 → ['-', '1', '2']. */
export function integerTokens(n: number): string[] {
  if (!Number.isSafeInteger(n)) throw new InputError('n', `not a safe integer (${String(n)})`);
  return n < 0 ? ['-', ...String(-n).split('')] : String(n).split('');
}
