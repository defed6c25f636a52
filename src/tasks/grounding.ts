/**
 * Grounding: "box of the red circle". One red circle (side 5–12 px, anywhere) among 1–3 distractors
 * that are not red circles (circles of other colours, squares and triangles of any colour, red
 * included, so colour alone is not enough), none overlapping. Answer: the circle's inclusive pixel box
 * `x0,y0,x1,y1` (each 0–31, x0 ≤ x1, y0 ≤ y1). Accuracy: box IoU, dense and continuous: a box off by one
 * pixel still earns most of the reward. Thinking: empty (perception).
 *
 * Not here: the IoU itself (metrics.ts), the response grammar (format.ts).
 */
import { COLOURS, drawShape, newImage } from './canvas.js';
import { parseIntegerList } from './format.js';
import { boxIoU, type Box } from './metrics.js';
import { pick, randInt, type Rng } from './rng.js';
import { checkExampleTask, scoreResponse } from './score.js';
import { drawInSplit } from './split.js';
import { IMAGE_SIZE, type Example, type Score, type Split, type TaskFamily } from './types.js';
import { BOS, COLOUR_WORDS, Q_GROUND, SHAPE_WORDS, formatResponse, integerTokens, tokenId, type ShapeWord } from './vocab.js';

const TARGET_SIZE = { min: 5, max: 12 };
const DISTRACTOR_SIZE = { min: 5, max: 9 };
const DISTRACTORS = { min: 1, max: 3 };
/** Placement tries per distractor before it is dropped (rare: the image is mostly empty). */
const PLACEMENT_TRIES = 50;

function overlaps(a: Box, b: Box, gap: number): boolean {
  return a.x0 <= b.x1 + gap && b.x0 <= a.x1 + gap && a.y0 <= b.y1 + gap && b.y0 <= a.y1 + gap;
}

function draw(rng: Rng): Omit<Example<Box>, 'key'> {
  const img = newImage();
  const s = randInt(rng, TARGET_SIZE.min, TARGET_SIZE.max);
  const tx = randInt(rng, 0, IMAGE_SIZE - s);
  const ty = randInt(rng, 0, IMAGE_SIZE - s);
  const target = { x0: tx, y0: ty, x1: tx + s - 1, y1: ty + s - 1 };
  const placed: Box[] = [target];
  const n = randInt(rng, DISTRACTORS.min, DISTRACTORS.max);
  for (let k = 0; k < n; k++) {
    const shape: ShapeWord = pick(rng, SHAPE_WORDS);
    const colour = pick(rng, shape === 'circle' ? COLOUR_WORDS.filter((c) => c !== 'red') : COLOUR_WORDS);
    const d = randInt(rng, DISTRACTOR_SIZE.min, DISTRACTOR_SIZE.max);
    for (let t = 0; t < PLACEMENT_TRIES; t++) {
      const x = randInt(rng, 0, IMAGE_SIZE - d);
      const y = randInt(rng, 0, IMAGE_SIZE - d);
      const box = { x0: x, y0: y, x1: x + d - 1, y1: y + d - 1 };
      // One pixel of background between shapes, so no two shapes merge into one blob.
      if (placed.some((p) => overlaps(p, box, 1))) continue;
      drawShape(img, shape, d, x, y, COLOURS[colour]);
      placed.push(box);
      break;
    }
  }
  // The box is read back from the pixels inked, not assumed from the placement.
  const answer = drawShape(img, 'circle', s, tx, ty, COLOURS.red);
  return {
    task: 'grounding',
    image: img,
    prompt: [BOS, Q_GROUND, tokenId('red'), tokenId('circle')],
    answer,
    trace: formatResponse([], boxTokens(answer)),
  };
}

/** Four canonical integers in 0–31 with x0 ≤ x1 and y0 ≤ y1; anything else is not a box of this image. */
function parseAnswer(ids: readonly number[]): Box | null {
  const v = parseIntegerList(ids, 4);
  if (v === null) return null;
  if (v.some((c) => c < 0 || c >= IMAGE_SIZE)) return null;
  const [x0, y0, x1, y1] = v;
  if (x0 > x1 || y0 > y1) return null;
  return { x0, y0, x1, y1 };
}

export const grounding: TaskFamily<Box> = {
  name: 'grounding',
  description: 'box x0,y0,x1,y1 of the red circle among distractors; accuracy = box IoU (dense)',
  generate: (rng: Rng, split: Split) => drawInSplit('grounding', split, () => draw(rng)),
  parseAnswer,
  score(response, example): Score {
    checkExampleTask('grounding', example);
    return scoreResponse(response, parseAnswer, (box) => boxIoU(box, example.answer));
  },
};

/** Token strings of a box answer: {x0: 12, y0: 3, …} → ['1', '2', ',', '3', ',', …]. */
export function boxTokens(b: Box): string[] {
  return [b.x0, b.y0, b.x1, b.y1].flatMap((v, i) => (i === 0 ? integerTokens(v) : [',', ...integerTokens(v)]));
}
