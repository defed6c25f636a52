/**
 * Reading (OCR): 2–5 letters of the bitmap font, one per 8×8 cell in reading order (row-major, wrapping
 * to the next row of cells), starting at a random cell, shifted by one random offset within the cells,
 * in one random colour. Answer: the string. Accuracy: max(0, 1 − CER), CER = edit distance / length, so
 * one wrong letter in four still earns 0.75 (partial). Thinking: empty (perception).
 *
 * Not here: the glyphs (font.ts), the edit distance (metrics.ts).
 */
import { CELL, COLOURS, GRID, WHITE, drawGlyph, newImage } from './canvas.js';
import { parseLetters } from './format.js';
import { GLYPH_SIZE } from './font.js';
import { charAccuracy } from './metrics.js';
import { pick, randInt, type Rng } from './rng.js';
import { checkExampleTask, scoreResponse } from './score.js';
import { drawInSplit } from './split.js';
import type { Example, Score, Split, TaskFamily } from './types.js';
import { BOS, COLOUR_WORDS, FONT_LETTERS, Q_READ, formatResponse } from './vocab.js';

const LENGTH = { min: 2, max: 5 };
const INKS = [WHITE, ...COLOUR_WORDS.map((c) => COLOURS[c])];

function draw(rng: Rng): Omit<Example<string>, 'key'> {
  const img = newImage();
  const n = randInt(rng, LENGTH.min, LENGTH.max);
  let text = '';
  for (let i = 0; i < n; i++) text += pick(rng, FONT_LETTERS);
  const start = randInt(rng, 0, GRID * GRID - n);
  // One offset for the whole string keeps the letters evenly spaced, like a printed word.
  const ox = randInt(rng, 0, CELL - GLYPH_SIZE);
  const oy = randInt(rng, 0, CELL - GLYPH_SIZE);
  const ink = pick(rng, INKS);
  for (let i = 0; i < n; i++) {
    const cell = start + i;
    drawGlyph(img, text[i], (cell % GRID) * CELL + ox, Math.floor(cell / GRID) * CELL + oy, ink);
  }
  return { task: 'reading', image: img, prompt: [BOS, Q_READ], answer: text, trace: formatResponse([], [...text]) };
}

export const reading: TaskFamily<string> = {
  name: 'reading',
  description: 'the 2–5 letters drawn, in reading order; accuracy = max(0, 1 − character error rate) (partial)',
  generate: (rng: Rng, split: Split) => drawInSplit('reading', split, () => draw(rng)),
  parseAnswer: parseLetters,
  score(response, example): Score {
    checkExampleTask('reading', example);
    return scoreResponse(response, parseLetters, (text) => charAccuracy(text, example.answer));
  },
};
