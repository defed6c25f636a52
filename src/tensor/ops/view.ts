/**
 * View ops: reshape, permute/transpose, slice, expand (broadcast), squeeze/unsqueeze share storage and
 * only change (shape, strides, offset); `contiguous` copies when it must; `patches` cuts an image into
 * flattened patches.
 *
 * Every view maps its index space into its parent's through a stride map. The forward applies the map to
 * the parent's storage strides; the backward applies the same map to the parent's *contiguous* strides
 * and scatter-adds the gradient there (so expand's backward sums over broadcast axes for free).
 *
 * Not here: copies with arithmetic. Reference: torch.Tensor.view/permute/narrow/expand/unfold semantics.
 */
import { type Shape, ShapeError, contiguousStrides, fmt, normAxis, numel, sameShape } from '../shape.js';
import { type Storage, Tensor, allocStorage } from '../tensor.js';
import { accumulateGrad, gradBuffer, record } from '../autograd.js';
import { copyStrided } from '../strided.js';

/** A view of `p` with `shape`, strides mapStrides(p.strides) and offset p.offset + mapOffset(p.strides). */
function makeView(
  op: string,
  p: Tensor,
  shape: number[],
  mapStrides: (s: Shape) => number[],
  mapOffset: (s: Shape) => number,
): Tensor {
  const out = new Tensor(p.storage, shape, mapStrides(p.strides), p.offset + mapOffset(p.strides));
  return record(out, op, [p], (dout) => {
    const gs = contiguousStrides(p.shape);
    copyStrided(shape, dout, 0, contiguousStrides(shape), gradBuffer(p), mapOffset(gs), mapStrides(gs), true);
  });
}

/** The elements row-major: the storage itself (or a subarray) when contiguous, else a copy. No autograd. */
export function contiguousData(x: Tensor): Storage {
  if (x.isContiguous) return x.data;
  const out = allocStorage(x.dtype, x.size);
  copyStrided(x.shape, x.storage, x.offset, x.strides, out, 0, contiguousStrides(x.shape), false);
  return out;
}

/** x itself when already contiguous, else a row-major copy (gradient passes straight through). */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous) return x;
  const y = new Tensor(contiguousData(x), x.shape);
  return record(y, 'contiguous', [x], (dy) => accumulateGrad(x, dy, false));
}

/** Same elements, new shape (one entry may be −1). A view when x is contiguous, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = shape.slice();
  const hole = target.indexOf(-1);
  if (hole !== target.lastIndexOf(-1)) throw new ShapeError('reshape', `shape ${fmt(shape)} has more than one -1`);
  if (hole >= 0) {
    const rest = numel(target.filter((_, i) => i !== hole));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError('reshape', `cannot infer the -1 in ${fmt(shape)} for ${x.size} elements`);
    target[hole] = x.size / rest;
  }
  for (const d of target) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError('reshape', `shape ${fmt(shape)} has an invalid dimension`);
  }
  if (numel(target) !== x.size) {
    throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(target)}`);
  }
  if (sameShape(target, x.shape)) return x;
  if (!x.isContiguous) return reshape(contiguous(x), target);
  // Row-major order is the same before and after, so the gradient is the same flat buffer.
  const y = new Tensor(x.storage, target, undefined, x.offset);
  return record(y, 'reshape', [x], (dy) => accumulateGrad(x, dy, false));
}

/** Reorder axes: result axis i is x's axis perm[i]. A view. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const nd = x.ndim;
  const seen = new Set(perm.map((a) => normAxis('permute', a, nd)));
  if (perm.length !== nd || seen.size !== nd) throw new ShapeError('permute', `${fmt(perm)} is not a permutation of the ${nd} axes of ${fmt(x.shape)}`);
  const p = perm.map((a) => normAxis('permute', a, nd));
  return makeView('permute', x, p.map((a) => x.shape[a]), (s) => p.map((a) => s[a]), () => 0);
}

/** Swap two axes (by default the last two: the matrix transpose of each batch entry). A view. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = Array.from({ length: x.ndim }, (_, i) => i);
  const i = normAxis('transpose', a, x.ndim);
  const j = normAxis('transpose', b, x.ndim);
  perm[i] = j;
  perm[j] = i;
  return i === j ? x : permute(x, perm);
}

/** x[..., start:end, ...] along `axis` (negative start/end count from the end, as in Python). A view. */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const ax = normAxis('slice', axis, x.ndim);
  const dim = x.shape[ax];
  const s = start < 0 ? start + dim : start;
  const e = end === undefined ? dim : end < 0 ? end + dim : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > dim || s > e) {
    throw new ShapeError('slice', `range [${start}, ${end ?? dim}) is not within axis ${ax} of length ${dim}`);
  }
  const shape = x.shape.slice();
  shape[ax] = e - s;
  return makeView('slice', x, shape, (st) => st.slice(), (st) => s * st[ax]);
}

/** Broadcast to `shape` (NumPy rules: new leading axes, size-1 axes stretched with stride 0). A view. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(shape, x.shape)) return x;
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new ShapeError('expand', `cannot expand ${fmt(x.shape)} to fewer axes ${fmt(shape)}`);
  for (let i = 0; i < x.ndim; i++) {
    if (x.shape[i] !== shape[lead + i] && x.shape[i] !== 1) {
      throw new ShapeError('expand', `cannot expand ${fmt(x.shape)} to ${fmt(shape)} (axis ${i}: ${x.shape[i]} vs ${shape[lead + i]})`);
    }
  }
  const mapStrides = (s: Shape): number[] =>
    shape.map((d, i) => (i < lead || x.shape[i - lead] !== d ? 0 : s[i - lead]));
  return makeView('expand', x, shape.slice(), mapStrides, () => 0);
}

/** Remove a size-1 axis (or all of them when `axis` is omitted). A view. */
export function squeeze(x: Tensor, axis?: number): Tensor {
  let keep: number[];
  if (axis === undefined) {
    keep = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  } else {
    const ax = normAxis('squeeze', axis, x.ndim);
    if (x.shape[ax] !== 1) throw new ShapeError('squeeze', `axis ${ax} of ${fmt(x.shape)} has size ${x.shape[ax]}, not 1`);
    keep = x.shape.map((_, i) => i).filter((i) => i !== ax);
  }
  if (keep.length === x.ndim) return x;
  return makeView('squeeze', x, keep.map((i) => x.shape[i]), (s) => keep.map((i) => s[i]), () => 0);
}

/** Insert a size-1 axis at `axis` (−1 appends). A view. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis('unsqueeze', axis, x.ndim + 1);
  const shape = [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)];
  return makeView('unsqueeze', x, shape, (s) => [...s.slice(0, ax), 0, ...s.slice(ax)], () => 0);
}

/**
 * Image (B, C, H, W) → patches (B, P, C·ph·pw), P = (H/ph)·(W/pw), patches in row-major order over the
 * grid and each patch flattened channel-first: out[b, i·(W/pw) + j, c·ph·pw + r·pw + s] =
 * img[b, c, i·ph + r, j·pw + s]. This is PyTorch's
 * `img.unfold(2, ph, ph).unfold(3, pw, pw).permute(0, 2, 3, 1, 4, 5).reshape(B, P, -1)` (ViT patchify).
 */
export function patches(img: Tensor, ph: number, pw = ph): Tensor {
  if (img.ndim !== 4) throw new ShapeError('patches', `img must be (B, C, H, W), got ${fmt(img.shape)}`);
  const [B, C, H, W] = img.shape;
  if (!Number.isInteger(ph) || !Number.isInteger(pw) || ph < 1 || pw < 1 || H % ph !== 0 || W % pw !== 0) {
    throw new ShapeError('patches', `patch ${ph}×${pw} does not tile an image of ${H}×${W}`);
  }
  const nh = H / ph;
  const nw = W / pw;
  const grid = reshape(img, [B, C, nh, ph, nw, pw]);
  const byPatch = permute(grid, [0, 2, 4, 1, 3, 5]); // (B, nh, nw, C, ph, pw)
  return reshape(byPatch, [B, nh * nw, C * ph * pw]);
}
