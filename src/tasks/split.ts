/**
 * Held-out splits by content. Each example gets a 64-bit key hashed from its content (the image's float
 * bytes, the prompt ids, the answer's JSON); the key's lowest bit names its split (0 train, 1 eval), and a
 * generator redraws until the example lands in the split asked for.
 *
 * Why this is disjoint (proof): split = bit(hash(content)) is a function of the content, so two
 * examples with equal content have equal keys and equal splits; an example drawn for 'train' has bit 0,
 * one drawn for 'eval' bit 1, so no content is in both. Hash collisions cannot break this: they can only
 * put two different contents in one split. What it does NOT give: held-out *concepts*. The same
 * question ("3 + 4", "the red circle") appears in both splits, rendered differently (position, size,
 * colour); the eval split measures generalisation to unseen images, not to unseen questions.
 *
 * Cost: each draw lands in either split with probability ≈ 1/2, so a generator takes 2 draws on average;
 * MAX_DRAWS = 64 fails with probability 2⁻⁶⁴ for a healthy generator and catches one whose content
 * ignores the rng (every draw identical, so one split is unreachable).
 *
 * Not here: what is drawn (the family files).
 */
import { InputError } from '../rl/errors.js';
import { SPLITS, type Example, type Split, type TaskName } from './types.js';

export const MAX_DRAWS = 64;

/** murmur3's 32-bit finaliser: every input bit flips each output bit with probability ≈ 1/2. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Two 32-bit lanes over 32-bit words (a multiply-xor-rotate step with different odd constants per lane),
 * each finalised: 64 bits, so two distinct contents share a key with probability ≈ 2⁻⁶⁴ per pair.
 * Words rather than bytes: an image is 3072 words, and keys are computed on every draw.
 */
function hash64(words: Uint32Array): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    a = Math.imul(a ^ w, 0x01000193);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ w, 0x9e3779b1);
    b = (b << 17) | (b >>> 15);
  }
  return [fmix32(a ^ words.length), fmix32(b + Math.imul(a, 0x85ebca6b))];
}

/** The 16-hex-digit content key of an image, a prompt and an answer. */
export function contentKey(image: Float32Array, prompt: readonly number[], answer: unknown): string {
  const text = new TextEncoder().encode(JSON.stringify([prompt, answer]));
  const words = new Uint32Array(image.length + Math.ceil(text.length / 4));
  // Float bits exactly: two images share these words iff they are equal float for float (±0 aside).
  words.set(new Uint32Array(image.buffer, image.byteOffset, image.length), 0);
  new Uint8Array(words.buffer, image.length * 4).set(text);
  const [hi, lo] = hash64(words);
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The split a content key belongs to: its lowest bit. */
export function splitOfKey(key: string): Split {
  if (!/^[0-9a-f]{16}$/.test(key)) throw new InputError('key', `not 16 hex digits (${JSON.stringify(key)})`);
  return (parseInt(key[15], 16) & 1) === 0 ? 'train' : 'eval';
}

export function checkSplit(split: unknown): Split {
  if (!SPLITS.includes(split as Split)) throw new InputError('split', `unknown split ${JSON.stringify(split)} (valid: ${SPLITS.join(', ')})`);
  return split as Split;
}

/** Redraws `draw()` until its content key falls in `split`; the key is attached to the example. */
export function drawInSplit<A>(task: TaskName, split: Split, draw: () => Omit<Example<A>, 'key'>): Example<A> {
  checkSplit(split);
  for (let d = 0; d < MAX_DRAWS; d++) {
    const e = draw();
    const key = contentKey(e.image, e.prompt, e.answer);
    if (splitOfKey(key) === split) return { ...e, key };
  }
  throw new Error(`${task}: no example in split ${split} after ${MAX_DRAWS} draws (does the generator use its rng?)`);
}
