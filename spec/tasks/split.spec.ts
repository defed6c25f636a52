// Held-out splits (src/tasks/split.ts): train and eval never share an example's content.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/rl/errors.js';
import { newImage } from '../../src/tasks/canvas.js';
import { TASKS } from '../../src/tasks/registry.js';
import { SeededRng } from '../../src/tasks/rng.js';
import { MAX_DRAWS, contentKey, drawInSplit, splitOfKey } from '../../src/tasks/split.js';
import { TASK_NAMES, type Example } from '../../src/tasks/types.js';
import { formatResponse } from '../../src/tasks/vocab.js';

/** The content as the test sees it: every image byte, the prompt and the answer (independent of the key). */
const content = (e: Example<unknown>) =>
  Buffer.from(e.image.buffer, e.image.byteOffset, e.image.byteLength).toString('base64') + JSON.stringify([e.prompt, e.answer]);

describe.each(TASK_NAMES)('%s: train and eval are disjoint', (name) => {
  it('no content of 1000 eval examples occurs among 1000 train examples; keys name their split', () => {
    const task = TASKS[name];
    // Same seed for both splits: the streams start identical, so any leak would show here first.
    const [rt, re] = [new SeededRng(77), new SeededRng(77)];
    const train = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const e = task.generate(rt, 'train');
      expect(splitOfKey(e.key)).toBe('train');
      train.add(content(e));
    }
    let distinctEval = 0;
    const seenEval = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const e = task.generate(re, 'eval');
      expect(splitOfKey(e.key)).toBe('eval');
      const c = content(e);
      expect(train.has(c)).toBe(false);
      if (!seenEval.has(c)) distinctEval++;
      seenEval.add(c);
    }
    // The content spaces are large: repeats inside a split are rare (a family with few scenes would
    // make a held-out split meaningless even though it is disjoint).
    expect(train.size).toBeGreaterThan(950);
    expect(distinctEval).toBeGreaterThan(950);
  });
});

describe('content keys', () => {
  it('depend on image, prompt and answer, each', () => {
    const img = newImage();
    const k = contentKey(img, [1, 2], 3);
    expect(contentKey(newImage(), [1, 2], 3)).toBe(k);
    const img2 = newImage();
    img2[1000] = 0.5;
    expect(contentKey(img2, [1, 2], 3)).not.toBe(k);
    expect(contentKey(img, [1, 3], 3)).not.toBe(k);
    expect(contentKey(img, [1, 2], 4)).not.toBe(k);
  });

  it('split evenly: the lowest bit is 1 for 50% ± 2.5% of 4000 random images', () => {
    const rng = new SeededRng(5);
    let evalCount = 0;
    for (let i = 0; i < 4000; i++) {
      const img = newImage();
      img[Math.floor(rng.next() * img.length)] = rng.next();
      if (splitOfKey(contentKey(img, [1], i)) === 'eval') evalCount++;
    }
    // σ = √(4000 · ¼) ≈ 31.6 draws, so ±100 draws (2.5%) is ±3.2σ.
    expect(Math.abs(evalCount - 2000)).toBeLessThan(100);
  });

  it('splitOfKey refuses a malformed key', () => {
    expect(() => splitOfKey('xyz')).toThrow(InputError);
  });

  it('a generator that ignores its rng fails after MAX_DRAWS draws for the split it cannot reach', () => {
    const fixed = () => ({ task: 'math' as const, image: newImage(), prompt: [1], answer: 0, trace: formatResponse([], ['0']) });
    const home = splitOfKey(contentKey(newImage(), [1], 0));
    const other = home === 'train' ? 'eval' : 'train';
    expect(drawInSplit('math', home, fixed).key).toBe(contentKey(newImage(), [1], 0));
    let calls = 0;
    expect(() => drawInSplit('math', other, () => (calls++, fixed()))).toThrow(/math: no example in split/);
    expect(calls).toBe(MAX_DRAWS);
  });
});
