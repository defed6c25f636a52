/**
 * Drawing on a 3×32×32 CHW Float32Array image: a few saturated colours on a dark background, filled
 * shapes (circle, square, triangle), glyphs of the bitmap font, and an ASCII rendering for docs and
 * debugging. Every write clips to the image, so a caller's off-by-one cannot corrupt another channel.
 *
 * Not here: what to draw (the family files). No anti-aliasing: a pixel is either ink or background,
 * which keeps boxes and counts exact.
 */
import { InputError } from '../rl/errors.js';
import { glyph } from './font.js';
import { randInt, type Rng } from './rng.js';
import { IMAGE_LENGTH, IMAGE_SIZE } from './types.js';
import type { ColourWord, ShapeWord } from './vocab.js';

export type Rgb = readonly [number, number, number];

/** Four hues far apart in RGB (pairwise distance ≥ 0.7), all far from the background. */
export const COLOURS: Readonly<Record<ColourWord, Rgb>> = {
  red: [0.9, 0.1, 0.1],
  green: [0.1, 0.8, 0.2],
  blue: [0.15, 0.35, 1.0],
  yellow: [0.95, 0.9, 0.1],
};
export const WHITE: Rgb = [1, 1, 1];
export const GREY: Rgb = [0.5, 0.5, 0.5];
export const BACKGROUND: Rgb = [0.05, 0.05, 0.08];

const PLANE = IMAGE_SIZE * IMAGE_SIZE;

export function newImage(background: Rgb = BACKGROUND): Float32Array {
  const img = new Float32Array(IMAGE_LENGTH);
  for (let c = 0; c < 3; c++) img.fill(background[c], c * PLANE, (c + 1) * PLANE);
  return img;
}

/** Sets one pixel; pixels outside the image are ignored. Returns whether the pixel was inside. */
export function setPixel(img: Float32Array, x: number, y: number, colour: Rgb): boolean {
  if (x < 0 || y < 0 || x >= IMAGE_SIZE || y >= IMAGE_SIZE) return false;
  for (let c = 0; c < 3; c++) img[c * PLANE + y * IMAGE_SIZE + x] = colour[c];
  return true;
}

export function getPixel(img: Float32Array, x: number, y: number): Rgb {
  const i = y * IMAGE_SIZE + x;
  return [img[i], img[PLANE + i], img[2 * PLANE + i]];
}

/** Fills the inclusive rectangle [x0, x1] × [y0, y1]. */
export function fillRect(img: Float32Array, x0: number, y0: number, x1: number, y1: number, colour: Rgb): void {
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) setPixel(img, x, y, colour);
}

/**
 * The ink mask of a shape of side s (s×s cells, true = ink). The circle keeps pixels whose centres lie
 * within s/2 of the square's centre; the triangle points up, row r (from the top) spanning the pixels
 * whose centres are within (r + 1)/2 of the middle, so its base is the full side. All three touch all
 * four sides of the s×s square, so a shape's bounding box is exactly its square.
 */
export function shapeMask(shape: ShapeWord, s: number): boolean[][] {
  if (!Number.isInteger(s) || s < 2) throw new InputError('size', `a shape side is an integer ≥ 2 (got ${s})`);
  const h = s / 2;
  const mask: boolean[][] = [];
  for (let r = 0; r < s; r++) {
    const row: boolean[] = [];
    for (let q = 0; q < s; q++) {
      const dy = r + 0.5 - h;
      const dx = q + 0.5 - h;
      if (shape === 'square') row.push(true);
      else if (shape === 'circle') row.push(dx * dx + dy * dy <= h * h);
      else row.push(Math.abs(dx) <= (r + 1) / 2);
    }
    mask.push(row);
  }
  return mask;
}

/** Draws a mask with its top-left corner at (x, y); returns the inclusive box of the pixels inked. */
export function drawMask(img: Float32Array, mask: readonly (readonly boolean[])[], x: number, y: number, colour: Rgb) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  mask.forEach((row, r) =>
    row.forEach((ink, q) => {
      if (ink && setPixel(img, x + q, y + r, colour)) {
        x0 = Math.min(x0, x + q);
        y0 = Math.min(y0, y + r);
        x1 = Math.max(x1, x + q);
        y1 = Math.max(y1, y + r);
      }
    }),
  );
  return { x0, y0, x1, y1 };
}

export function drawShape(img: Float32Array, shape: ShapeWord, size: number, x: number, y: number, colour: Rgb) {
  return drawMask(img, shapeMask(shape, size), x, y, colour);
}

export function drawGlyph(img: Float32Array, char: string, x: number, y: number, colour: Rgb) {
  return drawMask(img, glyph(char), x, y, colour);
}

const ASCII: readonly [string, Rgb][] = [
  ['.', BACKGROUND],
  ['R', COLOURS.red],
  ['G', COLOURS.green],
  ['B', COLOURS.blue],
  ['Y', COLOURS.yellow],
  ['#', WHITE],
  [':', GREY],
];

/** One character per pixel, 32 lines: the nearest named colour (. background, R G B Y, # white, : grey). */
export function imageToAscii(img: Float32Array): string {
  if (img.length !== IMAGE_LENGTH) throw new InputError('image', `length ${img.length}, expected ${IMAGE_LENGTH}`);
  const lines: string[] = [];
  for (let y = 0; y < IMAGE_SIZE; y++) {
    let line = '';
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const p = getPixel(img, x, y);
      let best = '?';
      let bestD = Infinity;
      for (const [ch, c] of ASCII) {
        const d = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2;
        if (d < bestD) [best, bestD] = [ch, d];
      }
      line += best;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The image as a 4×4 grid of 8×8 cells, the vision encoder's patches: cell-aligned objects sit in one patch. */
export const CELL = 8;
export const GRID = IMAGE_SIZE / CELL;

/**
 * Top-left pixel for a shape of side `side` in cell `cell` (row-major), shifted by 0…CELL − side − 1
 * px: the last column and row of every cell stay background, so shapes in neighbouring cells never
 * touch and a count of blobs is a count of shapes.
 */
export function placeInCell(rng: Rng, cell: number, side: number): [number, number] {
  const slack = CELL - side - 1;
  if (slack < 0) throw new InputError('side', `a shape in a cell is at most ${CELL - 1} px (got ${side})`);
  return [(cell % GRID) * CELL + randInt(rng, 0, slack), Math.floor(cell / GRID) * CELL + randInt(rng, 0, slack)];
}
