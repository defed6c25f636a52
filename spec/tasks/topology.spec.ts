// Reward topology sanity: what chance-level answers earn per family, and the shape of each reward's
// range (binary, lattice, continuous). Seeds are fixed, so each bound is deterministic; the stated
// tolerances are what a fresh seed would pass with overwhelming probability (≥ 4σ).
import { describe, expect, it } from 'vitest';
import { TASKS } from '../../src/tasks/registry.js';
import { SeededRng, randInt } from '../../src/tasks/rng.js';
import { FONT_LETTERS, formatResponse, integerTokens } from '../../src/tasks/vocab.js';
import { boxTokens } from '../../src/tasks/grounding.js';
import type { Box } from '../../src/tasks/metrics.js';

const N = 2000;
const LATTICE = Array.from({ length: 11 }, (_, k) => k / 10);

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

describe('chance level and reward topology', () => {
  it('spatial: random yes/no guessing has mean accuracy 0.5 ± 0.045 over 2000 samples (binary)', () => {
    const [gen, guess] = [new SeededRng(1), new SeededRng(2)];
    const acc: number[] = [];
    let yes = 0;
    for (let i = 0; i < N; i++) {
      const e = TASKS.spatial.generate(gen, i % 2 === 0 ? 'train' : 'eval');
      if (e.answer === 'yes') yes++;
      acc.push(TASKS.spatial.score(formatResponse([], [guess.next() < 0.5 ? 'yes' : 'no']), e).accuracy);
    }
    // σ of a mean of 2000 fair coins = √(0.25 / 2000) = 0.0112; 0.045 ≈ 4σ.
    expect(Math.abs(mean(acc) - 0.5)).toBeLessThan(0.045);
    expect(new Set(acc)).toEqual(new Set([0, 1]));
    // The labels are balanced too, so "always yes" also earns only ≈ 0.5.
    expect(Math.abs(yes / N - 0.5)).toBeLessThan(0.045);
  });

  it('counting: a uniform guess in 0–5 earns 1/6 ± 0.034 (binary)', () => {
    const [gen, guess] = [new SeededRng(3), new SeededRng(4)];
    const acc: number[] = [];
    for (let i = 0; i < N; i++) {
      const e = TASKS.counting.generate(gen, 'train');
      acc.push(TASKS.counting.score(formatResponse([], integerTokens(randInt(guess, 0, 5))), e).accuracy);
    }
    // σ = √(1/6 · 5/6 / 2000) = 0.0083; 0.034 ≈ 4σ.
    expect(Math.abs(mean(acc) - 1 / 6)).toBeLessThan(0.034);
  });

  it('grounding: random boxes earn a continuum of small IoUs; the truth shifted by 1 px keeps ≥ 4/6', () => {
    const [gen, guess] = [new SeededRng(5), new SeededRng(6)];
    const acc: number[] = [];
    for (let i = 0; i < N; i++) {
      const e = TASKS.grounding.generate(gen, 'train');
      const [a, b, c, d] = [0, 0, 0, 0].map(() => randInt(guess, 0, 31));
      const box = { x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) };
      acc.push(TASKS.grounding.score(formatResponse([], boxTokens(box)), e).accuracy);
      // Shifting a side-s box by one column: IoU = s(s − 1) / (s(s + 1)) = (s − 1)/(s + 1) ≥ 4/6 for s ≥ 5.
      const t = e.answer as Box;
      const shifted = t.x1 < 31 ? { ...t, x0: t.x0 + 1, x1: t.x1 + 1 } : { ...t, x0: t.x0 - 1, x1: t.x1 - 1 };
      expect(TASKS.grounding.score(formatResponse([], boxTokens(shifted)), e).accuracy).toBeGreaterThanOrEqual(4 / 6);
    }
    expect(new Set(acc).size).toBeGreaterThan(200); // dense: hundreds of distinct reward values
    expect(mean(acc)).toBeLessThan(0.1);
    expect(mean(acc)).toBeGreaterThan(0);
  });

  it('chart: uniform guesses in 1–12 land on the 11-level lattice k/10, spread over ≥ 8 levels (graded)', () => {
    const [gen, guess] = [new SeededRng(7), new SeededRng(8)];
    const levels = new Set<number>();
    for (let i = 0; i < N; i++) {
      const e = TASKS.chart.generate(gen, 'train');
      const a = TASKS.chart.score(formatResponse([], integerTokens(randInt(guess, 1, 12))), e).accuracy;
      expect(LATTICE).toContain(a);
      levels.add(a);
    }
    expect(levels.size).toBeGreaterThanOrEqual(8);
  });

  it('reading: random strings of the right length earn multiples of 1/length (partial)', () => {
    const [gen, guess] = [new SeededRng(9), new SeededRng(10)];
    const levels = new Set<number>();
    for (let i = 0; i < N; i++) {
      const e = TASKS.reading.generate(gen, 'train');
      const n = (e.answer as string).length;
      const text = Array.from({ length: n }, () => FONT_LETTERS[randInt(guess, 0, FONT_LETTERS.length - 1)]);
      const a = TASKS.reading.score(formatResponse([], text), e).accuracy;
      expect(a * n).toBeCloseTo(Math.round(a * n), 12);
      levels.add(a);
    }
    expect(levels.size).toBeGreaterThanOrEqual(5);
  });

  it('math: answers cover −9…18, so guessing one value earns little (binary)', () => {
    const gen = new SeededRng(11);
    const seen = new Set<number>();
    let zero = 0;
    for (let i = 0; i < N; i++) {
      const e = TASKS.math.generate(gen, 'train');
      seen.add(e.answer as number);
      zero += TASKS.math.score(formatResponse([], ['0']), e).accuracy;
    }
    expect(Math.min(...seen)).toBe(-9);
    expect(Math.max(...seen)).toBe(18);
    expect(seen.size).toBe(28);
    // P(answer = 0) = ½·P(a = b | −) + ½·P(a = b = 0 | +) = ½·10/100 + ½·1/100 = 0.055;
    // σ = √(0.055·0.945/2000) = 0.0051, and 0.021 ≈ 4σ.
    expect(Math.abs(zero / N - 0.055)).toBeLessThan(0.021);
  });
});
