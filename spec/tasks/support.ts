// Pixel oracles for the task specs: they read an example's answer back from its image with their own
// logic (exact palette colours, 4-connected blobs, glyph matching), so the specs check that each image
// shows its answer without trusting the generator's bookkeeping. Not a spec file itself.
import { BACKGROUND, COLOURS, GREY, WHITE, type Rgb } from '../../src/tasks/canvas.js';
import { glyph, GLYPH_CHARS } from '../../src/tasks/font.js';

export const N = 32;
export type Ink = 'bg' | 'red' | 'green' | 'blue' | 'yellow' | 'white' | 'grey';

const NAMED: [Ink, Rgb][] = [
  ['bg', BACKGROUND],
  ['red', COLOURS.red],
  ['green', COLOURS.green],
  ['blue', COLOURS.blue],
  ['yellow', COLOURS.yellow],
  ['white', WHITE],
  ['grey', GREY],
];

/** The named colour of every pixel, [y][x]; a pixel of any other colour throws (no blending is allowed). */
export function inks(img: Float32Array): Ink[][] {
  const out: Ink[][] = [];
  for (let y = 0; y < N; y++) {
    const row: Ink[] = [];
    for (let x = 0; x < N; x++) {
      const p = [img[y * N + x], img[N * N + y * N + x], img[2 * N * N + y * N + x]];
      // Float32 storage: compare against the palette rounded to float32, exactly.
      const hit = NAMED.find(([, c]) => c.every((v, k) => Math.fround(v) === p[k]));
      if (hit === undefined) throw new Error(`pixel (${x}, ${y}) has an unnamed colour ${p.join(', ')}`);
      row.push(hit[0]);
    }
    out.push(row);
  }
  return out;
}

export interface Blob {
  readonly pixels: [number, number][];
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** 4-connected components of the pixels where `keep(x, y)` holds, in scan order of their first pixel. */
export function blobs(keep: (x: number, y: number) => boolean): Blob[] {
  const seen = new Set<number>();
  const out: Blob[] = [];
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      if (!keep(x, y) || seen.has(y * N + x)) continue;
      const pixels: [number, number][] = [];
      const stack: [number, number][] = [[x, y]];
      seen.add(y * N + x);
      while (stack.length > 0) {
        const [px, py] = stack.pop()!;
        pixels.push([px, py]);
        for (const [qx, qy] of [[px + 1, py], [px - 1, py], [px, py + 1], [px, py - 1]]) {
          if (qx < 0 || qy < 0 || qx >= N || qy >= N || seen.has(qy * N + qx) || !keep(qx, qy)) continue;
          seen.add(qy * N + qx);
          stack.push([qx, qy]);
        }
      }
      const xs = pixels.map((p) => p[0]);
      const ys = pixels.map((p) => p[1]);
      out.push({ pixels, x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) });
    }
  }
  return out;
}

/** Whether a blob is exactly a disc: pixel centres within s/2 of the centre of its s×s bounding square. */
export function isDisc(b: Blob): boolean {
  const s = b.x1 - b.x0 + 1;
  if (b.y1 - b.y0 + 1 !== s) return false;
  const on = new Set(b.pixels.map(([x, y]) => y * N + x));
  for (let y = b.y0; y <= b.y1; y++) {
    for (let x = b.x0; x <= b.x1; x++) {
      const dx = x - b.x0 + 0.5 - s / 2;
      const dy = y - b.y0 + 0.5 - s / 2;
      if ((dx * dx + dy * dy <= (s / 2) ** 2) !== on.has(y * N + x)) return false;
    }
  }
  return true;
}

/**
 * The glyphs in the image, one per 8×8 cell, cells in row-major order: each inked cell must hold exactly
 * one font glyph at some shift, and nothing else (else this throws).
 */
export function readGlyphs(img: Float32Array): string {
  const ink = inks(img);
  let text = '';
  for (let cell = 0; cell < 16; cell++) {
    const cx = (cell % 4) * 8;
    const cy = Math.floor(cell / 4) * 8;
    const on = (x: number, y: number) => ink[cy + y][cx + x] !== 'bg';
    let any = false;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) any ||= on(x, y);
    if (!any) continue;
    const found: string[] = [];
    for (const ch of GLYPH_CHARS) {
      const g = glyph(ch);
      for (let oy = 0; oy <= 3; oy++) {
        for (let ox = 0; ox <= 3; ox++) {
          let same = true;
          for (let y = 0; y < 8 && same; y++) {
            for (let x = 0; x < 8 && same; x++) {
              const gy = y - oy;
              const gx = x - ox;
              const want = gy >= 0 && gy < 5 && gx >= 0 && gx < 5 && g[gy][gx];
              same = want === on(x, y);
            }
          }
          if (same) found.push(ch);
        }
      }
    }
    if (found.length !== 1) throw new Error(`cell ${cell}: ${found.length} glyph matches (${found.join('')})`);
    text += found[0];
  }
  return text;
}
