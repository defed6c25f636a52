/**
 * Chart: a bar chart of 3–5 bars with values 1–12, each bar 2 px per unit standing on a grey axis
 * (row 31), 4 px wide in fixed 6-px slots from the left, all in one colour; the prompt asks for bar k
 * (1-based, a digit token). Answer: a number (integers only: the vocabulary has no decimal point).
 * Accuracy: mean over t ∈ {0.50, 0.55, …, 0.95} of [|answer − value| / value ≤ 1 − t], graded: 9 for
 * 10 earns 0.9, 7 for 10 earns 0.5. Values start at 1 so the relative error never divides by 0.
 * Thinking: empty (reading a bar is one perception step).
 */
import { COLOURS, GREY, fillRect, newImage } from './canvas.js';
import { parseInteger } from './format.js';
import { relaxedAccuracy } from './metrics.js';
import { pick, randInt, type Rng } from './rng.js';
import { checkExampleTask, scoreResponse } from './score.js';
import { drawInSplit } from './split.js';
import { IMAGE_SIZE, type Example, type Score, type Split, type TaskFamily } from './types.js';
import { BOS, COLOUR_WORDS, Q_CHART, formatResponse, integerTokens, tokenId } from './vocab.js';

export const BARS = { min: 3, max: 5 };
export const VALUES = { min: 1, max: 12 };
const PX_PER_UNIT = 2;
const SLOT = 6;
const BAR_WIDTH = 4;
const LEFT = 2;
const AXIS_ROW = IMAGE_SIZE - 1;

function draw(rng: Rng): Omit<Example<number>, 'key'> {
  const img = newImage();
  fillRect(img, 0, AXIS_ROW, IMAGE_SIZE - 1, AXIS_ROW, GREY);
  const n = randInt(rng, BARS.min, BARS.max);
  const colour = COLOURS[pick(rng, COLOUR_WORDS)];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = randInt(rng, VALUES.min, VALUES.max);
    values.push(v);
    const x = LEFT + i * SLOT;
    fillRect(img, x, AXIS_ROW - PX_PER_UNIT * v, x + BAR_WIDTH - 1, AXIS_ROW - 1, colour);
  }
  const k = randInt(rng, 1, n);
  const answer = values[k - 1];
  return {
    task: 'chart',
    image: img,
    prompt: [BOS, Q_CHART, tokenId(String(k))],
    answer,
    trace: formatResponse([], integerTokens(answer)),
  };
}

export const chart: TaskFamily<number> = {
  name: 'chart',
  description: 'value (1–12) of the asked bar of a 3–5-bar chart; accuracy = mean relative accuracy over t = 0.50…0.95 (graded)',
  generate: (rng: Rng, split: Split) => drawInSplit('chart', split, () => draw(rng)),
  parseAnswer: parseInteger,
  score(response, example): Score {
    checkExampleTask('chart', example);
    return scoreResponse(response, parseInteger, (v) => relaxedAccuracy(v, example.answer));
  },
};
