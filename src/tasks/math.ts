/**
 * Math: a rendered expression "a + b" or "a − b" (digits 0–9 of the bitmap font, one glyph per 8×8
 * cell, three cells in a row at a random row and start column, one random shift and colour). Answer:
 * the integer result (−9…18; a negative result starts with the '-' token). Accuracy: exact match
 * (binary). Thinking: the expression as read, `a + b`, so the answer takes a reading step and an
 * arithmetic step, and the thinking part is where the reading happens.
 */
import { CELL, COLOURS, GRID, WHITE, drawGlyph, newImage } from './canvas.js';
import { GLYPH_SIZE } from './font.js';
import { parseInteger } from './format.js';
import { pick, randInt, type Rng } from './rng.js';
import { checkExampleTask, scoreResponse } from './score.js';
import { drawInSplit } from './split.js';
import type { Example, Score, Split, TaskFamily } from './types.js';
import { BOS, COLOUR_WORDS, Q_MATH, formatResponse, integerTokens } from './vocab.js';

const INKS = [WHITE, ...COLOUR_WORDS.map((c) => COLOURS[c])];

function draw(rng: Rng): Omit<Example<number>, 'key'> {
  const img = newImage();
  const a = randInt(rng, 0, 9);
  const op = pick(rng, ['+', '-'] as const);
  const b = randInt(rng, 0, 9);
  const row = randInt(rng, 0, GRID - 1);
  const col = randInt(rng, 0, GRID - 3);
  const ox = randInt(rng, 0, CELL - GLYPH_SIZE);
  const oy = randInt(rng, 0, CELL - GLYPH_SIZE);
  const ink = pick(rng, INKS);
  const chars = [String(a), op, String(b)];
  chars.forEach((ch, i) => drawGlyph(img, ch, (col + i) * CELL + ox, row * CELL + oy, ink));
  const answer = op === '+' ? a + b : a - b;
  return { task: 'math', image: img, prompt: [BOS, Q_MATH], answer, trace: formatResponse(chars, integerTokens(answer)) };
}

export const math: TaskFamily<number> = {
  name: 'math',
  description: 'result of the rendered a + b or a − b (digits 0–9); accuracy = exact match (binary)',
  generate: (rng: Rng, split: Split) => drawInSplit('math', split, () => draw(rng)),
  parseAnswer: parseInteger,
  score(response, example): Score {
    checkExampleTask('math', example);
    return scoreResponse(response, parseInteger, (n) => (n === example.answer ? 1 : 0));
  },
};
