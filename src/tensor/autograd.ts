/**
 * Reverse-mode autograd: the grad-mode switch (`noGrad`), how ops record themselves (`record`), gradient
 * accumulation (`+=` into `.grad`, micrograd style), and the backward sweep in reverse topological order.
 *
 * After a sweep every visited node drops its closure and parents (unless `retainGraph`), so the saved
 * activations become garbage and memory does not grow over training steps; intermediate `.grad` buffers
 * are dropped as soon as they have been pushed to the parents (unless `retainGrad()`).
 *
 * Not here: the ops' derivatives (each op file records its own backward next to its forward).
 * Reference: PyTorch autograd semantics (torch.autograd.backward, retain_graph, no_grad).
 */
import { type BackwardFn, type Storage, Tensor, allocStorage } from './tensor.js';
import { ShapeError, fmt, sameShape } from './shape.js';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording: ops inside build no graph (sampling, evaluation, optimiser maths). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Attach `backward` to `out` when grad mode is on and some parent requires grad. `backward` receives
 * out's gradient (contiguous, out's shape) and must push it into the parents with `accumulateGrad` /
 * `gradBuffer`. Returns `out`.
 */
export function record(out: Tensor, op: string, parents: readonly Tensor[], backward: BackwardFn): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const p of parents) if (p.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out._parents = parents;
  out._backward = backward;
  out._op = op;
  return out;
}

/**
 * t.grad += g (g contiguous in t's shape). `fresh` means the caller hands over ownership of `g` (it was
 * allocated for this call and is used nowhere else), so a first gradient can adopt it without a copy.
 */
export function accumulateGrad(t: Tensor, g: Storage, fresh: boolean): void {
  if (!t.requiresGrad) return;
  if (g.length !== t.size) throw new Error(`autograd: gradient of length ${g.length} for a tensor of ${t.size} elements (op ${t._op})`);
  if (t.grad === null) {
    t.grad = new Tensor(fresh ? g : g.slice(), t.shape);
    return;
  }
  const d = t.grad.storage;
  for (let i = 0; i < d.length; i++) d[i] += g[i];
}

/** t's gradient buffer, allocated as zeros on first use, for backward code that scatters `+=` into it. */
export function gradBuffer(t: Tensor): Storage {
  if (t.grad === null) t.grad = new Tensor(allocStorage(t.dtype, t.size), t.shape);
  return t.grad.storage;
}

const FREED: BackwardFn = () => {
  throw new Error('backward: this part of the graph was already freed by a previous backward(); pass { retainGraph: true } to the first call to go through it twice');
};

/** Nodes reachable from `root` through parents that require grad, parents before children. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  // Iterative post-order DFS: graphs of a few thousand nodes would be deep for recursion.
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const ps = top.t._parents;
    if (ps !== null && top.next < ps.length) {
      const p = ps[top.next++];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push({ t: p, next: 0 });
      }
    } else {
      stack.pop();
      order.push(top.t);
    }
  }
  return order;
}

export function runBackward(root: Tensor, seed: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require grad (no input had requiresGrad, or it was built under noGrad)');
  }
  let g: Storage;
  if (seed === undefined) {
    if (root.size !== 1) throw new ShapeError('backward', `pass a gradient for a tensor of shape ${fmt(root.shape)} (only one-element tensors default to 1)`);
    g = allocStorage(root.dtype, 1).fill(1);
  } else {
    if (!sameShape(seed.shape, root.shape)) throw new ShapeError('backward', `gradient shape ${fmt(seed.shape)} does not match tensor shape ${fmt(root.shape)}`);
    if (seed.dtype !== root.dtype) throw new ShapeError('backward', `gradient dtype ${seed.dtype} does not match tensor dtype ${root.dtype}`);
    g = seed.contiguous().data.slice();
  }
  const order = topoOrder(root);
  accumulateGrad(root, g, true);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    if (t._backward === null) continue; // a leaf: its .grad is the result
    if (t.grad !== null) t._backward(t.grad.storage);
    if (!t._retainGrad) t.grad = null;
    if (!retainGraph) {
      t._backward = FREED;
      t._parents = null;
    }
  }
}

/** Reset the gradients of `params`: fill with 0 (keeps the buffers), or drop them with `setToNone`. */
export function zeroGrad(params: Iterable<Tensor>, opts: { setToNone?: boolean } = {}): void {
  for (const p of params) {
    if (opts.setToNone ?? false) p.grad = null;
    else p.grad?.storage.fill(0);
  }
}
