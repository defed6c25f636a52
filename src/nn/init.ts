/**
 * Parameter initialisers, each filling a flat array in row-major order from a seeded generator, so a model
 * built twice from the same seed is bit-identical. The PyTorch defaults they mirror:
 *   nn.Linear       weight and bias ~ U(−1/√in, 1/√in)   (kaiming_uniform(a=√5) reduces to this bound)
 *   nn.Embedding    weight ~ N(0, 1)
 *   nn.LayerNorm    weight = 1, bias = 0
 *   nn.MultiheadAttention  in_proj_weight ~ xavier_uniform on the stacked (3d, d) matrix, i.e.
 *                   U(−√(6/(d + 3d)), +…); in_proj_bias = 0; out_proj.bias = 0
 *
 * Not here: the tensors themselves (module.ts `newParameter`). Reference: torch.nn.init, and the
 * `reset_parameters` of torch.nn.Linear / Embedding / LayerNorm / MultiheadAttention.
 */
import type { Rng } from '../tensor/index.js';

type Fill = (s: Float32Array | Float64Array) => void;

/** U(−bound, bound); bound 0 gives zeros without drawing. */
export const uniformInit = (rng: Rng, bound: number): Fill => (s) => {
  if (bound === 0) return;
  for (let i = 0; i < s.length; i++) s[i] = (2 * rng.uniform() - 1) * bound;
};

/** N(0, std²). */
export const normalInit = (rng: Rng, std: number): Fill => (s) => {
  for (let i = 0; i < s.length; i++) s[i] = rng.normal() * std;
};

export const constantInit = (value: number): Fill => (s) => {
  s.fill(value);
};

/** PyTorch's nn.Linear bound for both weight and bias: 1/√fanIn. */
export const linearBound = (fanIn: number): number => 1 / Math.sqrt(fanIn);

/** Xavier/Glorot uniform bound √(6/(fanIn + fanOut)). */
export const xavierBound = (fanIn: number, fanOut: number): number => Math.sqrt(6 / (fanIn + fanOut));
