/**
 * The Module base: a tree of sub-modules and parameters registered under names, so every parameter has a
 * stable dotted name (`decoder.0.attn.wq.weight`) and a fixed position in `namedParameters()` (the order
 * of registration, depth first: a module's own parameters, then each child's, as in PyTorch). Also
 * train/eval mode and state dicts (copies of the parameters, loaded back with name, shape and dtype checks).
 *
 * Not here: file I/O (serialize.ts), optimisers (src/optim, which take `parameterDict()`), buffers (no
 * module here has one: masks are rebuilt from the config). Reference: torch.nn.Module's
 * named_parameters / train / eval / state_dict / load_state_dict(strict=True).
 */
import { type DType, Tensor, allocStorage } from '../tensor/index.js';

const NAME = /^[A-Za-z0-9_]+$/;

export abstract class Module {
  /**
   * Training mode. No layer here behaves differently in eval (no dropout, no batch norm); the flag is kept
   * for PyTorch parity and for callers that check the mode they are in.
   */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** Register `t` as a trainable parameter named `name` (made a leaf with requiresGrad). Returns `t`. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    if (!t.isLeaf || !t.isContiguous || t.offset !== 0 || t.storage.length !== t.size) {
      throw new Error(`${this.constructor.name}.registerParameter("${name}"): a parameter must be a leaf owning its whole contiguous storage`);
    }
    t.requiresGrad = true;
    this.#params.set(name, t);
    return t;
  }

  /** Register a child module under `name`; its parameters appear as `name.…`. Returns the child. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#checkName(name);
    this.#children.set(name, m);
    return m;
  }

  #checkName(name: string): void {
    if (!NAME.test(name)) throw new Error(`${this.constructor.name}: name "${name}" must be letters, digits or _ (dots join names)`);
    if (this.#params.has(name) || this.#children.has(name)) throw new Error(`${this.constructor.name}: name "${name}" is already registered`);
  }

  /** [dotted name, parameter] for every parameter of the tree, in registration order (depth first). */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, p] of this.#params) out.push([prefix + n, p]);
    for (const [n, c] of this.#children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The live parameters keyed by dotted name (insertion-ordered): what `new AdamW(…)` takes. */
  parameterDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  /** Direct children in registration order. */
  children(): Array<[string, Module]> {
    return [...this.#children];
  }

  /** Total number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /** Set training mode on this module and every descendant. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this.#children.values()) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's gradient (grad ← null; PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** A snapshot: a copy of every parameter (no gradient, not shared), keyed by dotted name, in order. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [n, p] of this.namedParameters()) out[n] = new Tensor(p.data.slice(), p.shape);
    return out;
  }

  /**
   * Copy `sd` into the parameters (strict, like PyTorch's default): every name must be present, none
   * unexpected, shapes and dtypes equal (no silent casts). All-or-nothing: everything is checked first.
   */
  loadStateDict(sd: Readonly<Record<string, Tensor>>): void {
    const where = `${this.constructor.name}.loadStateDict`;
    const named = this.namedParameters();
    const own = new Set(named.map(([n]) => n));
    for (const n of Object.keys(sd)) {
      if (!own.has(n)) throw new Error(`${where}: "${n}" is unexpected (the module has ${own.size} parameters, none by that name)`);
    }
    for (const [n, p] of named) {
      const t = Object.prototype.hasOwnProperty.call(sd, n) ? sd[n] : undefined;
      if (t === undefined) throw new Error(`${where}: "${n}" is missing (expected ${p.dtype} [${p.shape.join(', ')}])`);
      checkSameSpec(where, n, t.shape, t.dtype, p.shape, p.dtype);
    }
    for (const [n, p] of named) (p.data as Float32Array | Float64Array).set(sd[n].contiguous().data);
  }
}

/** Throws `where: "name" has shape … / dtype …, expected …` when shapes or dtypes differ. */
export function checkSameSpec(
  where: string, name: string,
  shape: readonly number[], dtype: string,
  wantShape: readonly number[], wantDtype: string,
): void {
  const same = shape.length === wantShape.length && shape.every((d, i) => d === wantShape[i]);
  if (!same) throw new Error(`${where}: "${name}" has shape [${shape.join(', ')}], expected [${wantShape.join(', ')}]`);
  if (dtype !== wantDtype) throw new Error(`${where}: "${name}" has dtype ${dtype}, expected ${wantDtype}`);
}

/** An ordered list of modules named "0", "1", …, as torch.nn.ModuleList. */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items.slice();
    this.items.forEach((m, i) => this.registerModule(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

/** A fresh parameter tensor of `shape` and `dtype`, filled by `fill` (an initialiser from init.ts). */
export function newParameter(shape: readonly number[], dtype: DType, fill: (s: Float32Array | Float64Array) => void): Tensor {
  const s = allocStorage(dtype, shape.reduce((a, b) => a * b, 1));
  fill(s);
  return new Tensor(s, shape);
}
