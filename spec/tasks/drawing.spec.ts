import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { CELL, COLOURS, drawGlyph, drawShape, imageToAscii, newImage, placeInCell, shapeMask } from '../../src/tasks/canvas.js';
import { GLYPH_CHARS, GLYPH_SIZE, glyph } from '../../src/tasks/font.js';
import { SeededRng } from '../../src/tasks/rng.js';
import { DIGITS, FONT_LETTERS, SHAPE_WORDS } from '../../src/tasks/vocab.js';

describe('font', () => {
  it('has a 5×5 glyph for every digit, font letter, + and -', () => {
    expect([...GLYPH_CHARS].sort()).toEqual([...DIGITS, ...FONT_LETTERS, '+', '-'].sort());
    for (const ch of GLYPH_CHARS) {
      const g = glyph(ch);
      expect(g.length).toBe(GLYPH_SIZE);
      for (const row of g) expect(row.length).toBe(GLYPH_SIZE);
    }
  });

  it('every two glyphs differ in at least 3 pixels (no near-twins for a small encoder to confuse)', () => {
    let closest = Infinity;
    for (const a of GLYPH_CHARS) {
      for (const b of GLYPH_CHARS) {
        if (a >= b) continue;
        const [ga, gb] = [glyph(a), glyph(b)];
        let d = 0;
        for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) d += ga[y][x] !== gb[y][x] ? 1 : 0;
        closest = Math.min(closest, d);
      }
    }
    expect(closest).toBeGreaterThanOrEqual(3);
  });

  it('an unknown character is refused, naming it', () => {
    expect(() => glyph('Z')).toThrow(/"Z"/);
  });
});

describe('canvas', () => {
  it('shape masks touch all four sides of their square, and differ from each other', () => {
    for (let s = 5; s <= 12; s++) {
      const masks = SHAPE_WORDS.map((w) => shapeMask(w, s));
      for (const m of masks) {
        expect(m[0].some(Boolean) && m[s - 1].some(Boolean)).toBe(true);
        expect(m.some((r) => r[0]) && m.some((r) => r[s - 1])).toBe(true);
      }
      expect(JSON.stringify(masks[0])).not.toBe(JSON.stringify(masks[1]));
      expect(JSON.stringify(masks[0])).not.toBe(JSON.stringify(masks[2]));
      expect(JSON.stringify(masks[1])).not.toBe(JSON.stringify(masks[2]));
    }
    expect(() => shapeMask('circle', 1)).toThrow(InputError);
  });

  it('drawing clips to the image and returns the box of the pixels inked', () => {
    const img = newImage();
    expect(drawShape(img, 'square', 6, 29, -2, COLOURS.red)).toEqual({ x0: 29, y0: 0, x1: 31, y1: 3 });
    expect(img[0 * 1024 + 0 * 32 + 29]).toBeCloseTo(0.9, 6); // red channel at (29, 0)
    expect(img[1 * 1024 + 0 * 32 + 28]).toBeCloseTo(0.05, 6); // untouched background
    expect(drawGlyph(img, '1', 0, 0, COLOURS.blue)).toEqual({ x0: 1, y0: 0, x1: 3, y1: 4 });
  });

  it('placeInCell keeps a one-pixel background border on the right and bottom of the cell', () => {
    const rng = new SeededRng(0);
    for (let i = 0; i < 500; i++) {
      const cell = i % 16;
      const [x, y] = placeInCell(rng, cell, 6);
      const [cx, cy] = [(cell % 4) * CELL, Math.floor(cell / 4) * CELL];
      expect(x >= cx && x + 6 - 1 <= cx + CELL - 2).toBe(true);
      expect(y >= cy && y + 6 - 1 <= cy + CELL - 2).toBe(true);
    }
    expect(() => placeInCell(rng, 0, 8)).toThrow(InputError);
  });

  it('imageToAscii names each pixel by its nearest palette colour', () => {
    const img = newImage();
    drawShape(img, 'square', 2, 0, 0, COLOURS.yellow);
    const lines = imageToAscii(img).split('\n');
    expect(lines.length).toBe(32);
    expect(lines[0].slice(0, 4)).toBe('YY..');
    expect(lines[2]).toBe('.'.repeat(32));
  });
});
