/**
 * Additive attention masks: (L, L) tensors of 0 (may attend) and −∞ (may not), added to the attention
 * scores before the softmax (exp(−∞) = 0 exactly, so a masked key gets exactly zero weight and zero
 * gradient). Row i is the query at position i, column j the key at position j.
 *
 *   causalMask(T)        j ≤ i                                                  (GPT)
 *   prefixLmMask(P, T)   positions 0‥P−1 are a prefix (the image tokens) that attends to itself only,
 *                        bidirectionally; the T text positions attend to the whole prefix and causally to
 *                        text. Exactly the anchor's mask (shared/anchors/torch_vlm_step.py):
 *                          mask[:, P:] = −inf;  mask[P:, P:] = triu(full(T, T, −inf), 1)
 *   maskRows(m, s, e)    rows s‥e−1 and columns 0‥e−1: the mask of queries s‥e−1 decoded with a KV cache
 *                        holding positions 0‥s−1 (a view, no copy). It refuses a piece whose rows attend
 *                        to a later position (a bidirectional prefix must be fed in one piece).
 *
 * Not here: applying the mask (attention.ts). Every row keeps at least one 0, so no softmax row is all −∞.
 */
import { type DType, Tensor, allocStorage } from '../tensor/index.js';

function checkCount(where: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${where}: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/** (T, T): 0 on and below the diagonal, −∞ above. */
export function causalMask(T: number, dtype: DType = 'float32'): Tensor {
  return prefixLmMask(0, T, dtype);
}

/** (P + T, P + T): a bidirectional prefix of P positions that sees only itself, then T causal positions. */
export function prefixLmMask(P: number, T: number, dtype: DType = 'float32'): Tensor {
  checkCount('prefixLmMask', 'P', P, 0);
  checkCount('prefixLmMask', 'T', T, 0);
  const L = P + T;
  const m = allocStorage(dtype, L * L);
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < L; j++) {
      const allowed = i < P ? j < P : j <= i; // prefix rows: prefix columns only; text rows: columns ≤ i
      m[i * L + j] = allowed ? 0 : -Infinity;
    }
  }
  return new Tensor(m, [L, L]);
}

/** Rows [start, end) and columns [0, end) of a square mask (a strided view). */
export function maskRows(mask: Tensor, start: number, end: number): Tensor {
  if (mask.ndim !== 2 || mask.shape[0] !== mask.shape[1]) throw new Error(`maskRows: mask must be square (L, L), got [${mask.shape.join(', ')}]`);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= mask.shape[0])) {
    throw new Error(`maskRows: rows [${start}, ${end}) are not a non-empty range within the ${mask.shape[0]} positions of the mask`);
  }
  // Decoding in pieces is exact only if no query attends to a position not yet fed (e.g. a bidirectional
  // prefix split across pieces): those keys would be missing from the cache, not masked.
  const L = mask.shape[0];
  const m = mask.contiguous().data;
  for (let i = start; i < end; i++) {
    for (let j = end; j < L; j++) {
      if (m[i * L + j] !== -Infinity) {
        throw new Error(`maskRows: row ${i} attends to position ${j} ≥ ${end}, which is not fed yet (feed a bidirectional prefix in one piece)`);
      }
    }
  }
  return mask.slice(0, start, end).slice(1, 0, end); // (end − start, end)
}
