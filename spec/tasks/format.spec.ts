import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { parseInteger, parseIntegerList, parseLetters, parseResponse, parseYesNo } from '../../src/tasks/format.js';
import { SPECIAL_IDS, VOCAB_SIZE, encode, formatResponse } from '../../src/tasks/vocab.js';

const e = (s: string) => encode(s.split(' ').filter((t) => t !== ''));

describe('parseResponse: the template <thinking>…</thinking><answer>…</answer> then only eos/pad', () => {
  it('accepts the template, with empty parts and trailing eos/pad', () => {
    expect(parseResponse(e('<thinking> 3 + 4 </thinking> <answer> 7 </answer>'))).toEqual({ ok: true, thinking: e('3 + 4'), answer: e('7') });
    expect(parseResponse(e('<thinking> </thinking> <answer> </answer> <eos> <pad> <pad>'))).toEqual({ ok: true, thinking: [], answer: [] });
    expect(parseResponse(e('<thinking> </thinking> <answer> yes </answer> <pad> <eos>')).ok).toBe(true);
  });

  const malformed: [string, string][] = [
    ['missing </answer> (truncated)', '<thinking> </thinking> <answer> 7'],
    ['two answer blocks', '<thinking> </thinking> <answer> 7 </answer> <answer> 8 </answer>'],
    ['answer before thinking', '<answer> 7 </answer> <thinking> </thinking>'],
    ['no thinking block', '<answer> 7 </answer>'],
    ['a token before <thinking>', 'yes <thinking> </thinking> <answer> 7 </answer>'],
    ['<bos> before <thinking>', '<bos> <thinking> </thinking> <answer> 7 </answer>'],
    ['text between the blocks', '<thinking> </thinking> 7 <answer> 7 </answer>'],
    ['a token after </answer>', '<thinking> </thinking> <answer> 7 </answer> 7'],
    ['a token after <eos>', '<thinking> </thinking> <answer> 7 </answer> <eos> 7'],
    ['nested tag in thinking', '<thinking> <answer> 7 </answer> </thinking> <answer> 7 </answer>'],
    ['<eos> inside the answer', '<thinking> </thinking> <answer> 7 <eos> </answer>'],
    ['two thinking blocks', '<thinking> </thinking> <thinking> </thinking> <answer> 7 </answer>'],
    ['garbage only', 'red 3 blue yes'],
    ['empty response', ''],
  ];
  for (const [what, text] of malformed) {
    it(`rejects: ${what}`, () => {
      const p = parseResponse(e(text));
      expect(p.ok).toBe(false);
      if (!p.ok) expect(p.reason.length).toBeGreaterThan(0);
    });
  }

  it('ids beyond the vocabulary are ordinary tokens, not errors (a 64-wide output layer)', () => {
    const r = [...e('<thinking> </thinking> <answer>'), 60, ...e('</answer>')];
    expect(parseResponse(r)).toEqual({ ok: true, thinking: [], answer: [60] });
  });

  it('throws on ids that are not token ids at all', () => {
    expect(() => parseResponse([3, -1])).toThrow(new InputError('response[1]', 'not a token id (got -1)'));
    expect(() => parseResponse([3, 0.5])).toThrow(InputError);
  });

  it('formatResponse output parses back to its parts', () => {
    expect(parseResponse(formatResponse(['3', '+', '4'], ['7']))).toEqual({ ok: true, thinking: e('3 + 4'), answer: e('7') });
  });

  it('any non-template tokens in either part parse back, with any eos/pad tail', () => {
    const plain = [...Array(VOCAB_SIZE).keys()].filter((k) => !SPECIAL_IDS.has(k));
    const part = fc.array(fc.constantFrom(...plain), { maxLength: 12 });
    fc.assert(
      fc.property(part, part, fc.integer({ min: 0, max: 3 }), (t, a, pads) => {
        const ids = [...e('<thinking>'), ...t, ...e('</thinking> <answer>'), ...a, ...e('</answer>'), ...Array(pads).fill(0)];
        expect(parseResponse(ids)).toEqual({ ok: true, thinking: t, answer: a });
      }),
      { numRuns: 300 },
    );
  });
});

describe('answer schemas', () => {
  it('parseInteger: canonical integers only', () => {
    expect(parseInteger(e('0'))).toBe(0);
    expect(parseInteger(e('1 8'))).toBe(18);
    expect(parseInteger(e('- 9'))).toBe(-9);
    expect(parseInteger(e('9 9 9 9 9 9'))).toBe(999999);
    for (const bad of ['', '-', '0 7', '- 0', '- - 3', '3 -', '1 , 2', 'A', 'yes', '1 2 3 4 5 6 7', '+ 3']) {
      expect(parseInteger(e(bad)), bad).toBeNull();
    }
  });

  it('parseIntegerList: exactly n integers split by single commas', () => {
    expect(parseIntegerList(e('1 2 , 3 , 2 0 , 9'), 4)).toEqual([12, 3, 20, 9]);
    for (const bad of ['1 , 2 , 3', '1 , 2 , 3 , 4 , 5', '1 , , 2 , 3', ', 1 , 2 , 3', '1 , 2 , 3 ,', '1 2 3 4', '']) {
      expect(parseIntegerList(e(bad), 4), bad).toBeNull();
    }
  });

  it('parseLetters: a non-empty string of font letters', () => {
    expect(parseLetters(e('H A T'))).toBe('HAT');
    for (const bad of ['', 'H 1', 'yes', 'H , A']) expect(parseLetters(e(bad)), bad).toBeNull();
    expect(parseLetters([60])).toBeNull();
  });

  it('parseYesNo: exactly one of yes / no', () => {
    expect(parseYesNo(e('yes'))).toBe('yes');
    expect(parseYesNo(e('no'))).toBe('no');
    for (const bad of ['', 'yes no', 'yes yes', '1', 'left']) expect(parseYesNo(e(bad)), bad).toBeNull();
  });
});
