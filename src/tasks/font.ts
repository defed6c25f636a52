/**
 * A hand-made 5×5 bitmap font: the ten digits, the eight letters of FONT_LETTERS and the operators
 * + and −. A glyph fits inside one 8×8 patch with room to shift, so the vision encoder sees each glyph
 * whole in one patch (spec/tasks/drawing.spec.ts checks that every pair of glyphs differs in ≥ 3 pixels).
 *
 * Not here: drawing (canvas.ts).
 */
import { InputError } from '../rl/errors.js';

export const GLYPH_SIZE = 5;

const ROWS: Readonly<Record<string, readonly string[]>> = {
  '0': ['.###.', '#..##', '#.#.#', '##..#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '.###.'],
  '2': ['####.', '....#', '.###.', '#....', '#####'],
  '3': ['####.', '....#', '.###.', '....#', '####.'],
  '4': ['#..#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '####.'],
  '6': ['..##.', '.#...', '####.', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '..#..'],
  '8': ['.###.', '#...#', '.###.', '#...#', '.###.'],
  '9': ['.###.', '#...#', '.####', '...#.', '.##..'],
  A: ['.###.', '#...#', '#####', '#...#', '#...#'],
  C: ['.####', '#....', '#....', '#....', '.####'],
  E: ['#####', '#....', '####.', '#....', '#####'],
  H: ['#...#', '#...#', '#####', '#...#', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#####'],
  P: ['####.', '#...#', '####.', '#....', '#....'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..'],
  X: ['#...#', '.#.#.', '..#..', '.#.#.', '#...#'],
  '+': ['.....', '..#..', '.###.', '..#..', '.....'],
  '-': ['.....', '.....', '#####', '.....', '.....'],
};

/** The characters the font can draw. */
export const GLYPH_CHARS: readonly string[] = Object.keys(ROWS);

/** The glyph of one character as rows of booleans (true = ink). */
export function glyph(char: string): readonly (readonly boolean[])[] {
  const rows = ROWS[char];
  if (rows === undefined) throw new InputError('char', `no glyph for ${JSON.stringify(char)} (font has ${GLYPH_CHARS.join('')})`);
  return rows.map((r) => [...r].map((c) => c === '#'));
}
