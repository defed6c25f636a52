// bench/perception-toy.ts, the SFT probes docs/training.md cites: a 2-step run prints one JSON line
// with the settings it ran, and bad arguments exit non-zero naming the option. (The figures themselves
// take minutes; docs/training.md gives the commands.)
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/perception-toy.ts', ...args], { encoding: 'utf8' });

describe('bench/perception-toy.ts', () => {
  it('a 2-step colour toy with 3 decoder layers prints p in (0, 1) and its settings', () => {
    const r = run('--toy', 'colour', '--steps', '2', '--decoder-layers', '3', '--seed', '1');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out).toMatchObject({ toy: 'colour', steps: 2, seed: 1, decoderLayers: 3, prefix: 'image+prompt' });
    expect(out.p).toBeGreaterThan(0);
    expect(out.p).toBeLessThan(1);
  });

  it('--name-colour: the column token is scored after the colour the trace names (pColour beside p)', () => {
    const r = run('--toy', 'colour', '--steps', '2', '--name-colour');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out).toMatchObject({ toy: 'colour', nameColour: true, decoderLayers: 2 });
    for (const p of [out.p, out.pColour]) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
    expect(out.p).not.toBe(out.pColour);
  });

  it('a letter toy prints the mean letter probability and one per letter index (2–5 letters)', () => {
    const r = run('--toy', 'letters', '--steps', '2');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.toy).toBe('letters');
    expect(out.pByLetter).toHaveLength(5);
    for (const p of [out.p, ...out.pByLetter]) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  });

  it('rejects a missing probe, an unknown toy and a bad step count, naming the option', () => {
    for (const [args, msg] of [
      [[], /exactly one of --toy/],
      [['--toy', 'circle'], /--toy: expected one of square, colour, letters, letters-at-0, glyph, got "circle"/],
      [['--toy', 'square', '--steps', '0'], /--steps: expected a positive integer/],
      [['--task', 'charts'], /--task: unknown task family "charts"/],
      [['--toy', 'square', '--name-colour'], /--name-colour: only with --toy colour/],
    ] as const) {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
