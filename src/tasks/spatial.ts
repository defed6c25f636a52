/**
 * Spatial reasoning: "is the red shape left of (or above) the blue one?". Two shapes of distinct
 * colours A and B in cells of different columns (left) or rows (above), plus 0–2 distractors in the two
 * other colours, each a random shape of side 6 in its own 8×8 cell. Answer: yes/no. Accuracy: exact
 * match (binary); A and B take their two cells uniformly, so by the swap symmetry "yes" has probability
 * exactly 1/2 and guessing earns 0.5. Thinking: each colour, then its cell column (or row), `A colA , B colB`;
 * then the comparison is the answer. Naming the colour right before its cell lets the position that
 * writes the cell find the shape in one attention step (docs/tasks.md § Why the thinking names the colour).
 */
import { COLOURS, GRID, drawShape, newImage, placeInCell } from './canvas.js';
import { parseYesNo } from './format.js';
import { pick, randInt, sample, type Rng } from './rng.js';
import { checkExampleTask, scoreResponse } from './score.js';
import { drawInSplit } from './split.js';
import type { Example, Score, Split, TaskFamily } from './types.js';
import { BOS, COLOUR_WORDS, Q_SPATIAL, SHAPE_WORDS, formatResponse, tokenId, type ColourWord } from './vocab.js';

const RELATIONS = ['left', 'above'] as const;
const MAX_DISTRACTORS = 2;
const SIDE = 6;

function draw(rng: Rng): Omit<Example<'yes' | 'no'>, 'key'> {
  const img = newImage();
  const relation = pick(rng, RELATIONS);
  const [a, b, ...rest] = sample(rng, COLOUR_WORDS, COLOUR_WORDS.length);
  // The coordinate the relation compares: the column for "left", the row for "above".
  const coord = (cell: number): number => (relation === 'left' ? cell % GRID : Math.floor(cell / GRID));
  let cells: number[];
  do cells = sample(rng, [...Array(GRID * GRID).keys()], 2);
  while (coord(cells[0]) === coord(cells[1]));
  const free = [...Array(GRID * GRID).keys()].filter((c) => !cells.includes(c));
  const d = randInt(rng, 0, MAX_DISTRACTORS);
  const placed: [number, ColourWord][] = [
    [cells[0], a],
    [cells[1], b],
    ...sample(rng, free, d).map((cell, i) => [cell, rest[i]] as [number, ColourWord]),
  ];
  for (const [cell, colour] of placed) {
    // A shape stays inside its cell, so every pixel of a shape one column (row) further left (up) is
    // left of (above) every pixel of the other: pixel order is cell order.
    const [x, y] = placeInCell(rng, cell, SIDE);
    drawShape(img, pick(rng, SHAPE_WORDS), SIDE, x, y, COLOURS[colour]);
  }
  const answer = coord(cells[0]) < coord(cells[1]) ? 'yes' : 'no';
  return {
    task: 'spatial',
    image: img,
    prompt: [BOS, Q_SPATIAL, tokenId(a), tokenId(relation), tokenId(b)],
    answer,
    trace: formatResponse([a, String(coord(cells[0])), ',', b, String(coord(cells[1]))], [answer]),
  };
}

export const spatial: TaskFamily<'yes' | 'no'> = {
  name: 'spatial',
  description: 'is shape A left of / above shape B (by colour): yes/no; accuracy = exact match (binary, 0.5 by chance)',
  generate: (rng: Rng, split: Split) => drawInSplit('spatial', split, () => draw(rng)),
  parseAnswer: parseYesNo,
  score(response, example): Score {
    checkExampleTask('spatial', example);
    return scoreResponse(response, parseYesNo, (yn) => (yn === example.answer ? 1 : 0));
  },
};
