import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import * as V from '../../src/tasks/vocab.js';

describe('vocabulary', () => {
  it('fits in the model vocabulary of 64 and has no duplicate token', () => {
    expect(V.VOCAB_SIZE).toBeLessThanOrEqual(V.MAX_VOCAB_SIZE);
    expect(V.MAX_VOCAB_SIZE).toBe(64);
    expect(new Set(V.TOKENS).size).toBe(V.TOKENS.length);
  });

  it('exported ids point at their tokens', () => {
    const pairs: [number, string][] = [
      [V.PAD, '<pad>'],
      [V.BOS, '<bos>'],
      [V.EOS, '<eos>'],
      [V.THINK_OPEN, '<thinking>'],
      [V.THINK_CLOSE, '</thinking>'],
      [V.ANSWER_OPEN, '<answer>'],
      [V.ANSWER_CLOSE, '</answer>'],
      [V.SEP, ','],
      [V.PLUS, '+'],
      [V.MINUS, '-'],
      [V.YES, 'yes'],
      [V.NO, 'no'],
      [V.Q_GROUND, 'Q_GROUND'],
      [V.Q_MATH, 'Q_MATH'],
    ];
    for (const [id, tok] of pairs) expect(V.TOKENS[id]).toBe(tok);
    expect(V.PAD).toBe(0); // padding with zeros must mean <pad>
    for (let d = 0; d < 10; d++) expect(V.TOKENS[V.DIGIT_0 + d]).toBe(String(d));
    V.FONT_LETTERS.forEach((l, i) => expect(V.TOKENS[V.LETTER_0 + i]).toBe(l));
  });

  it('decode(encode(tokens)) = tokens and encode(decode(ids)) = ids', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: V.VOCAB_SIZE - 1 }), { maxLength: 40 }), (ids) => {
        const toks = V.decode(ids);
        expect(V.encode(toks)).toEqual(ids);
        expect(V.decode(V.encode(toks))).toEqual(toks);
      }),
      { numRuns: 300 },
    );
  });

  it('unknown tokens and ids throw, naming the position', () => {
    expect(() => V.encode(['1', 'Z'])).toThrow(new InputError('tokens[1]', 'unknown token "Z"'));
    expect(() => V.decode([3, V.VOCAB_SIZE])).toThrow(/ids\[1\]/);
    expect(() => V.decode([0.5])).toThrow(/ids\[0\]/);
    expect(() => V.tokenId('circles')).toThrow(InputError);
  });

  it('formatResponse builds the template and refuses template tokens inside a part', () => {
    expect(V.show(V.formatResponse(['3', '+', '4'], ['7']))).toBe('<thinking> 3 + 4 </thinking> <answer> 7 </answer> <eos>');
    expect(V.formatResponse([], [])).toEqual([V.THINK_OPEN, V.THINK_CLOSE, V.ANSWER_OPEN, V.ANSWER_CLOSE, V.EOS]);
    expect(() => V.formatResponse(['</thinking>'], ['7'])).toThrow(/thinking\[0\]/);
    expect(() => V.formatResponse([], ['7', '<eos>'])).toThrow(/answer\[1\]/);
  });

  it('integerTokens spells integers with a leading minus', () => {
    expect(V.integerTokens(0)).toEqual(['0']);
    expect(V.integerTokens(18)).toEqual(['1', '8']);
    expect(V.integerTokens(-9)).toEqual(['-', '9']);
    expect(() => V.integerTokens(1.5)).toThrow(InputError);
  });
});
