// The Module base and the layers' construction: dotted names in a fixed order, train/eval, state dicts
// (copies; strict loading with named errors), PyTorch initialisations, and argument errors that name the
// module, the argument and the problem.
import { describe, expect, it } from 'vitest';
import { Rng, Tensor, tensor, zeros } from '../../src/tensor/index.js';
import { Embedding, LayerNorm, Linear, MLP, Module, MultiHeadAttention, TransformerBlock, causalMask, prefixLmMask, maskRows, xavierBound } from '../../src/nn/index.js';
import { TinyGpt } from './support.js';

// A Module subclass exposing registerParameter, for the registration errors.
class Module0 extends Module {
  reg(name: string, t: Tensor): Tensor {
    return this.registerParameter(name, t);
  }
}

const cfg = { vocab: 11, maxLen: 6, dModel: 8, nHeads: 2, nLayers: 2 };

describe('Module: names, order, modes', () => {
  it('names parameters by dotted path, depth first in registration order', () => {
    const m = new TinyGpt(cfg);
    const names = m.namedParameters().map(([n]) => n);
    const block = (i: number) => [
      `blocks.${i}.ln1.weight`, `blocks.${i}.ln1.bias`,
      `blocks.${i}.attn.wq.weight`, `blocks.${i}.attn.wq.bias`, `blocks.${i}.attn.wk.weight`, `blocks.${i}.attn.wk.bias`,
      `blocks.${i}.attn.wv.weight`, `blocks.${i}.attn.wv.bias`, `blocks.${i}.attn.wo.weight`, `blocks.${i}.attn.wo.bias`,
      `blocks.${i}.ln2.weight`, `blocks.${i}.ln2.bias`,
      `blocks.${i}.mlp.fc1.weight`, `blocks.${i}.mlp.fc1.bias`, `blocks.${i}.mlp.fc2.weight`, `blocks.${i}.mlp.fc2.bias`,
    ];
    expect(names).toEqual(['pos', 'tok.weight', ...block(0), ...block(1), 'norm.weight', 'norm.bias', 'head.weight', 'head.bias']);
    // Own parameters come before children's ('pos' is registered after 'tok' but listed first), as in torch.
    expect(Object.keys(m.parameterDict())).toEqual(names);
    expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
  });

  it('counts parameters: a block has 12d² + 13d (d = 8, MLP 4d: 4·(d²+d) attention + 2·2d norms + 8d²+5d MLP)', () => {
    const d = 8;
    const blk = new TransformerBlock({ dModel: d, nHeads: 2, mlpHidden: 4 * d, lnEps: 1e-5, gelu: 'none' }, { rng: new Rng(0) });
    expect(blk.numParameters()).toBe(4 * (d * d + d) + 4 * d + (d * 4 * d + 4 * d) + (4 * d * d + d));
    expect(blk.numParameters()).toBe(12 * d * d + 13 * d);
  });

  it('train() / eval() set the flag on every descendant', () => {
    const m = new TinyGpt(cfg);
    const all = (x: { training: boolean; children(): Array<[string, unknown]> }): boolean[] => [
      x.training,
      ...x.children().flatMap(([, c]) => all(c as typeof x)),
    ];
    expect(m.eval().training).toBe(false);
    expect(all(m).every((t) => t === false)).toBe(true);
    m.train();
    expect(all(m).every((t) => t === true)).toBe(true);
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const a = new TinyGpt(cfg, 5).parameters().map((p) => Array.from(p.data));
    const b = new TinyGpt(cfg, 5).parameters().map((p) => Array.from(p.data));
    const c = new TinyGpt(cfg, 6).parameters().map((p) => Array.from(p.data));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('Module: state dicts', () => {
  it('stateDict is a copy; loadStateDict restores it exactly', () => {
    const m = new TinyGpt(cfg, 1);
    const sd = m.stateDict();
    const w = m.head.weight;
    expect(sd['head.weight'].data).not.toBe(w.data);
    const before = Array.from(w.data);
    w.data.fill(3);
    expect(Array.from(sd['head.weight'].data)).toEqual(before);
    m.loadStateDict(sd);
    expect(Array.from(w.data)).toEqual(before);
    const other = new TinyGpt(cfg, 2);
    other.loadStateDict(sd);
    expect(other.parameters().map((p) => Array.from(p.data))).toEqual(m.parameters().map((p) => Array.from(p.data)));
  });

  it('rejects a missing, unexpected, reshaped or retyped entry, naming it, and changes nothing', () => {
    const m = new TinyGpt(cfg, 1);
    const snapshot = m.parameters().map((p) => Array.from(p.data));
    const sd = () => new TinyGpt(cfg, 9).stateDict();
    const missing = sd();
    delete missing['norm.bias'];
    expect(() => m.loadStateDict(missing)).toThrow('TinyGpt.loadStateDict: "norm.bias" is missing (expected float32 [8])');
    expect(() => m.loadStateDict({ ...sd(), 'extra.weight': zeros([1]) })).toThrow('"extra.weight" is unexpected');
    expect(() => m.loadStateDict({ ...sd(), 'head.weight': zeros([8, 11]) })).toThrow('"head.weight" has shape [8, 11], expected [11, 8]');
    expect(() => m.loadStateDict({ ...sd(), 'head.bias': zeros([11], { dtype: 'float64' }) })).toThrow('"head.bias" has dtype float64, expected float32');
    expect(m.parameters().map((p) => Array.from(p.data))).toEqual(snapshot);
  });

  it('registering a name twice or a name with a dot is an error', () => {
    class Bad extends Module0 {
      constructor(name: string, twice: boolean) {
        super();
        this.reg(name, zeros([1]));
        if (twice) this.reg(name, zeros([1]));
      }
    }
    expect(() => new Bad('w', true)).toThrow('Bad: name "w" is already registered');
    expect(() => new Bad('a.b', false)).toThrow('Bad: name "a.b" must be letters, digits or _');
  });
});

describe('initialisation (PyTorch defaults)', () => {
  it('Linear: weight and bias inside ±1/√in, spread over it (max |w| above 0.9 of the bound)', () => {
    const lin = new Linear(64, 200, { rng: new Rng(0) });
    const bound = 1 / 8;
    for (const p of [lin.weight, lin.bias!]) {
      let mx = 0;
      for (const v of p.data) mx = Math.max(mx, Math.abs(v));
      expect(mx).toBeLessThanOrEqual(bound);
      expect(mx).toBeGreaterThan(0.9 * bound);
    }
    // Var of U(−b, b) is b²/3; 12,800 draws give a relative standard error of ≈ 1.1%: allow 5%.
    let ss = 0;
    for (const v of lin.weight.data) ss += v * v;
    expect(Math.abs(ss / lin.weight.size / (bound * bound / 3) - 1)).toBeLessThan(0.05);
  });

  it('Embedding ~ N(0, 1): mean within 5 standard errors of 0, variance within 5% of 1 (12,800 draws)', () => {
    const e = new Embedding(100, 128, { rng: new Rng(1) });
    let s = 0;
    let ss = 0;
    for (const v of e.weight.data) {
      s += v;
      ss += v * v;
    }
    const n = e.weight.size;
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(ss / n - 1)).toBeLessThan(0.05);
  });

  it('LayerNorm starts at weight 1, bias 0; attention: xavier bound of the stacked (3d, d) in-projection, zero biases', () => {
    const ln = new LayerNorm(5);
    expect(Array.from(ln.weight.data)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(ln.bias.data)).toEqual([0, 0, 0, 0, 0]);
    const d = 32;
    const a = new MultiHeadAttention(d, 4, { rng: new Rng(2) });
    const xb = xavierBound(d, 3 * d);
    expect(xb).toBeCloseTo(Math.sqrt(6 / (4 * d)), 15);
    for (const l of [a.wq, a.wk, a.wv]) expect(Math.max(...Array.from(l.weight.data, Math.abs))).toBeLessThanOrEqual(xb);
    expect(Math.max(...Array.from(a.wo.weight.data, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(d));
    for (const l of [a.wq, a.wk, a.wv, a.wo]) expect(l.bias!.data.every((v) => v === 0)).toBe(true);
  });
});

describe('argument errors name the module, the argument and the problem', () => {
  const rng = new Rng(0);
  it('Linear, LayerNorm, Embedding, MLP', () => {
    expect(() => new Linear(64, 128, { rng }).forward(zeros([2, 32]))).toThrow('Linear(64→128): input last dim 32 (shape [2, 32]), expected 64');
    expect(() => new Linear(0, 3, { rng })).toThrow('Linear: inFeatures must be a positive integer, got 0');
    expect(() => new LayerNorm(4).forward(zeros([3]))).toThrow('LayerNorm(4): input last dim 3 (shape [3]), expected 4');
    expect(() => new LayerNorm(4, { eps: -1 })).toThrow('LayerNorm: eps must be a finite number ≥ 0, got -1');
    expect(() => new Embedding(5, 2, { rng }).forward([1, 5])).toThrow('Embedding(5×2): ids[1] = 5 is not a token id in [0, 5)');
    expect(() => new MLP(3, 4, { rng }).forward(zeros([2]))).toThrow('Linear(3→4): input last dim 2');
  });
  it('attention: widths, input shape, mask shape and dtype', () => {
    expect(() => new MultiHeadAttention(10, 4, { rng })).toThrow('MultiHeadAttention: dModel 10 must be a positive multiple of nHeads 4');
    const a = new MultiHeadAttention(8, 2, { rng });
    expect(() => a.forward(zeros([2, 8]), null)).toThrow('MultiHeadAttention(d=8, heads=2): input shape [2, 8], expected (B, T, 8)');
    expect(() => a.forward(zeros([1, 3, 8]), causalMask(4))).toThrow('mask shape [4, 4], expected (…, 3, 3) for 3 queries over 3 keys');
    expect(() => a.forward(zeros([1, 3, 8]), causalMask(3, 'float64'))).toThrow('mask dtype float64, expected float32');
  });
  it('masks: bad sizes and row ranges', () => {
    expect(() => prefixLmMask(-1, 3)).toThrow('prefixLmMask: P must be an integer ≥ 0, got -1');
    expect(() => maskRows(causalMask(4), 2, 5)).toThrow('maskRows: rows [2, 5) are not a non-empty range within the 4 positions of the mask');
    expect(() => maskRows(tensor([[0, 0, 0]]), 0, 1)).toThrow('maskRows: mask must be square');
  });
});
