/**
 * Counting (general VQA): "how many red shapes?". 0–5 shapes of the asked colour (uniform) and 0–3
 * shapes of other colours (at least 1 when the count is 0), each a random circle, square or triangle
 * of side 6 in its own 8×8 cell.
 * Answer: an integer. Accuracy: exact match (binary). Thinking: the colour asked, then the count-up
 * `red 1,2,3` (the colour alone for 0), a step per object, so the thinking length grows with the answer.
 * The colour comes first so that the token looking for the shapes holds it (docs/tasks.md § Why the
 * thinking names the colour).
 */
import { COLOURS, GRID, drawShape, newImage, placeInCell } from './canvas.js';
import { parseInteger } from './format.js';
import { pick, randInt, sample, type Rng } from './rng.js';
import { checkExampleTask, scoreResponse } from './score.js';
import { drawInSplit } from './split.js';
import type { Example, Score, Split, TaskFamily } from './types.js';
import { BOS, COLOUR_WORDS, Q_COUNT, SHAPE_WORDS, formatResponse, integerTokens, tokenId } from './vocab.js';

export const MAX_COUNT = 5;
const MAX_DISTRACTORS = 3;
const SIDE = 6;

function draw(rng: Rng): Omit<Example<number>, 'key'> {
  const img = newImage();
  const colour = pick(rng, COLOUR_WORDS);
  const others = COLOUR_WORDS.filter((c) => c !== colour);
  const count = randInt(rng, 0, MAX_COUNT);
  // At least one shape in every image: a blank image would be one of only four contents (one per colour).
  const distractors = randInt(rng, count === 0 ? 1 : 0, MAX_DISTRACTORS);
  const cells = sample(rng, [...Array(GRID * GRID).keys()], count + distractors);
  cells.forEach((cell, i) => {
    const c = i < count ? colour : pick(rng, others);
    const [x, y] = placeInCell(rng, cell, SIDE);
    drawShape(img, pick(rng, SHAPE_WORDS), SIDE, x, y, COLOURS[c]);
  });
  const thinking = [colour, ...[...Array(count).keys()].flatMap((i) => (i === 0 ? ['1'] : [',', ...integerTokens(i + 1)]))];
  return {
    task: 'counting',
    image: img,
    prompt: [BOS, Q_COUNT, tokenId(colour)],
    answer: count,
    trace: formatResponse(thinking, integerTokens(count)),
  };
}

export const counting: TaskFamily<number> = {
  name: 'counting',
  description: 'how many shapes of the asked colour (0–5); accuracy = exact match (binary)',
  generate: (rng: Rng, split: Split) => drawInSplit('counting', split, () => draw(rng)),
  parseAnswer: parseInteger,
  score(response, example): Score {
    checkExampleTask('counting', example);
    return scoreResponse(response, parseInteger, (n) => (n === example.answer ? 1 : 0));
  },
};
