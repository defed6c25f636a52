/**
 * `npx tsx bench/perception-toy.ts --toy TOY | --task NAME [options]`: the small SFT probes
 * behind docs/training.md ("Three model choices", "Where perception got stuck", the letter toys) and
 * docs/tasks.md ("Why the thinking names the colour"). They train vlm-nano,
 * or a variant of it, from scratch with the warm start's recipe (src/train/sft.ts `sftSteps`: AdamW at lr
 * 3e-3, 10 warmup steps, cosine decay to 10 %, clip 1), batch 16. Then they print one JSON line.
 *
 *   --toy square   one red square in a random cell of the 4×4 grid; the answer is its column
 *   --toy colour   a red and a blue square; the prompt names one; the answer is its column
 *                  (--name-colour: the trace names the colour before the column, `<thinking> red 2 …`, as
 *                  the spatial and counting traces do; p is then the column token's, pColour the colour's)
 *                  (a toy's result: p = mean probability of the right column token, 128 fresh examples)
 *   --toy letters       the reading task's layout: 2–5 font letters in consecutive cells from a random
 *                       cell, one offset and ink for the string; the answer is the string
 *   --toy letters-at-0  the same, always from cell 0 (each letter's cell is then fixed by its index)
 *   --toy glyph         one letter in a random cell
 *                       (p = mean probability of the right letter over all letters; pByLetter per index)
 *   --task NAME    one task family of the suite (e.g. counting); greedy accuracy on 64 held-out examples
 *
 * Options change the model: --decoder-layers L, --vision-layers L, --d-model D (MLP 4·D),
 * --pos-init zeros|normal, --prefix image|image+prompt, --raw-pixels (pixelMean 0, pixelStd 1).
 * --seed S seeds the model's initialisation (default 0). The data streams are fixed, so two settings
 * see the same examples. --steps N (default 400), --lr X.
 *
 * Not part of `npm run bench`: it measures learning, not speed (about 10 s per 100 steps here).
 */
import { parseArgs } from 'node:util';
import { COLOURS, SeededRng, getTask, isTaskName, type Example, type TaskName } from '../src/tasks/index.js';
import { CELL, GRID, WHITE, drawGlyph, drawShape, newImage, placeInCell } from '../src/tasks/canvas.js';
import { GLYPH_SIZE } from '../src/tasks/font.js';
import { BOS, FONT_LETTERS, formatResponse, tokenId } from '../src/tasks/vocab.js';
import { evaluate } from '../src/train/evaluate.js';
import { sftSteps } from '../src/train/sft.js';
import { deriveSeed, drawExamples, evalSet, imageBatch, stepTasks } from '../src/train/data.js';
import { VLM, checkVlmConfig, getPreset, tokenLogProbs, type VlmConfig } from '../src/vlm/index.js';

const BATCH = 16;
const TOY_SEED = 77; // the toys' examples: training batches, then the 128 evaluated
const TOY_EVAL = 128;
const TOYS = ['square', 'colour', 'letters', 'letters-at-0', 'glyph'] as const;
type Toy = (typeof TOYS)[number];
const isLetterToy = (toy: Toy) => toy === 'letters' || toy === 'letters-at-0' || toy === 'glyph';
const INKS = [WHITE, ...Object.values(COLOURS)];
const LETTERS_AT = 3; // trace index of the first answer letter: <thinking> </thinking> <answer> L…

/**
 * One toy example: an image, a prompt, and the trace `<thinking> column </thinking><answer> yes …`.
 * The draws come in a fixed order (cells first, then placements), so a seed gives the same stream.
 */
function toyExample(toy: Toy, rng: SeededRng, nameColour = false): Example<unknown> {
  if (isLetterToy(toy)) return letterToy(toy, rng);
  const img = newImage();
  const red = Math.floor(rng.next() * GRID * GRID);
  if (toy === 'square') {
    const [x, y] = placeInCell(rng, red, 6);
    drawShape(img, 'square', 6, x, y, COLOURS.red);
    return toyOf(img, [BOS], red);
  }
  let blue: number;
  do blue = Math.floor(rng.next() * GRID * GRID);
  while (blue === red);
  for (const [cell, colour] of [[red, COLOURS.red], [blue, COLOURS.blue]] as const) {
    const [x, y] = placeInCell(rng, cell, 6);
    drawShape(img, 'square', 6, x, y, colour);
  }
  const colour = rng.next() < 0.5 ? 'red' : 'blue';
  return toyOf(img, [BOS, tokenId(colour)], colour === 'red' ? red : blue, nameColour ? colour : null);
}

/** A letter toy: the reading task's drawing (src/tasks/reading.ts) with its start cell chosen by the toy. */
function letterToy(toy: Toy, rng: SeededRng): Example<unknown> {
  const img = newImage();
  const n = toy === 'glyph' ? 1 : 2 + Math.floor(rng.next() * 4);
  const text = Array.from({ length: n }, () => FONT_LETTERS[Math.floor(rng.next() * FONT_LETTERS.length)]);
  const start = toy === 'letters-at-0' ? 0 : Math.floor(rng.next() * (GRID * GRID - n + 1));
  const ox = Math.floor(rng.next() * (CELL - GLYPH_SIZE + 1)); // 0…3, as reading.ts
  const oy = Math.floor(rng.next() * (CELL - GLYPH_SIZE + 1));
  const ink = INKS[Math.floor(rng.next() * INKS.length)];
  text.forEach((ch, i) => drawGlyph(img, ch, ((start + i) % GRID) * CELL + ox, Math.floor((start + i) / GRID) * CELL + oy, ink));
  return { task: 'reading', key: '', image: img, prompt: [BOS], answer: text.join(''), trace: formatResponse([], text) } as Example<unknown>;
}

/** The example record; the task name only routes batching (toys are scored by the column token). */
function toyOf(image: Float32Array, prompt: number[], cell: number, colour: string | null = null): Example<unknown> {
  const thinking = colour === null ? [String(cell % GRID)] : [colour, String(cell % GRID)];
  return { task: 'spatial', key: '', image, prompt, answer: 'yes', trace: formatResponse(thinking, ['yes']) } as Example<unknown>;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      toy: { type: 'string' }, task: { type: 'string' }, steps: { type: 'string', default: '400' }, lr: { type: 'string', default: '3e-3' },
      seed: { type: 'string', default: '0' }, 'decoder-layers': { type: 'string' }, 'vision-layers': { type: 'string' },
      'd-model': { type: 'string' }, 'pos-init': { type: 'string' }, prefix: { type: 'string' }, 'raw-pixels': { type: 'boolean' },
      'name-colour': { type: 'boolean' },
    },
  });
  const toy = values.toy as Toy | undefined; // checked against TOYS below
  const task = values.task;
  if ((toy === undefined) === (task === undefined)) throw new Error(`give exactly one of --toy ${TOYS.join('|')} and --task NAME`);
  if (toy !== undefined && !(TOYS as readonly string[]).includes(toy)) throw new Error(`--toy: expected one of ${TOYS.join(', ')}, got "${toy}"`);
  if (task !== undefined && !isTaskName(task)) throw new Error(`--task: unknown task family "${task}"`);
  const nameColour = values['name-colour'] === true;
  if (nameColour && toy !== 'colour') throw new Error('--name-colour: only with --toy colour (the task families have their own traces)');
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got "${v}"`);
    return n;
  };
  const steps = int('steps', values.steps)!;
  const seed = Number(values.seed);
  const lr = Number(values.lr);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed: expected a non-negative integer, got "${values.seed}"`);
  if (!(lr > 0)) throw new Error(`--lr: expected a positive number, got "${values.lr}"`);

  const d = int('d-model', values['d-model']);
  const config: VlmConfig = {
    ...getPreset('vlm-nano'),
    ...(d !== undefined ? { dModel: d, mlpHidden: 4 * d } : {}),
    ...(values['decoder-layers'] !== undefined ? { decoderLayers: int('decoder-layers', values['decoder-layers'])! } : {}),
    ...(values['vision-layers'] !== undefined ? { visionLayers: int('vision-layers', values['vision-layers'])! } : {}),
    ...(values['pos-init'] !== undefined ? { posInit: values['pos-init'] as VlmConfig['posInit'] } : {}),
    ...(values.prefix !== undefined ? { prefix: values.prefix as VlmConfig['prefix'] } : {}),
    ...(values['raw-pixels'] ? { pixelMean: 0, pixelStd: 1 } : {}),
  };
  checkVlmConfig(config);

  const model = new VLM(config, { seed });
  const toyRng = new SeededRng(TOY_SEED);
  const taskRng = new SeededRng(deriveSeed(0, 'sft'));
  const nextBatch = (): Example<unknown>[] =>
    toy !== undefined ? Array.from({ length: BATCH }, () => toyExample(toy, toyRng, nameColour)) : drawExamples(taskRng, stepTasks([task as TaskName], 0, BATCH));
  const t0 = performance.now();
  sftSteps(model, { steps, lr, nextBatch }, (step) => {
    if (step % 100 === 0) process.stderr.write(`step ${step}/${steps} ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  });

  const settings = { steps, lr, seed, decoderLayers: config.decoderLayers, visionLayers: config.visionLayers, dModel: config.dModel, posInit: config.posInit, prefix: config.prefix, pixelMean: config.pixelMean };
  if (toy !== undefined) {
    const ex = Array.from({ length: TOY_EVAL }, () => toyExample(toy, toyRng, nameColour));
    const out = tokenLogProbs(model, imageBatch(ex), ex.map((e) => e.prompt), ex.map((e) => e.trace));
    const T = out.shape[1];
    // pOf(i, k): the model's probability of example i's trace token k (token 0 is <thinking>).
    const pOf = (i: number, k: number) => Math.exp(out.logProbs.data[i * T + k]);
    if (isLetterToy(toy)) {
      const byLetter: number[][] = []; // byLetter[k]: the probabilities of the k-th letters
      ex.forEach((e, i) => [...(e.answer as string)].forEach((_, k) => (byLetter[k] ??= []).push(pOf(i, LETTERS_AT + k))));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(JSON.stringify({ toy, p: mean(byLetter.flat()), pByLetter: byLetter.map(mean), ...settings }));
    } else {
      const meanP = (k: number) => ex.reduce((s, _, i) => s + pOf(i, k), 0) / ex.length;
      const colourP = nameColour ? { pColour: meanP(1) } : {};
      console.log(JSON.stringify({ toy, p: meanP(nameColour ? 2 : 1), ...colourP, nameColour, ...settings }));
    }
  } else {
    const name = task as TaskName;
    const res = evaluate(model, evalSet(1, [name], 64), { seed: 0, maxNewTokens: 24, tasks: [name], samples: 1 });
    console.log(JSON.stringify({ task: getTask(name).name, greedy_accuracy: res.tasks[name].greedy_accuracy, ...settings }));
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`perception-toy: ${e instanceof Error ? e.message : String(e)}\n` +
    'usage: npx tsx bench/perception-toy.ts --toy square|colour|letters|letters-at-0|glyph | --task NAME [--steps N] [--lr X] [--seed S]\n' +
    '       [--decoder-layers L] [--vision-layers L] [--d-model D] [--pos-init zeros|normal] [--prefix image|image+prompt] [--raw-pixels]\n' +
    '       [--name-colour] (with --toy colour)\n');
  process.exit(2);
}
