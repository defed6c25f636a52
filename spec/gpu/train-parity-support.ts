/**
 * The trainer on two backends, line by line: runs `train` once per backend (the CPU reference, and the
 * gpu.js seam with offload 'all', so every float32 call the kernels cover really runs on them) from the
 * same cached warm start, records every response the trainer scored, and compares the two metrics.jsonl
 * files field by field. Shared by spec/gpu/train-parity.spec.ts (a few steps, asserted) and
 * bench/train-parity.ts (the 20-step run of issue 5, printed as a table).
 *
 * Not here: the backends (src/gpu), the trainer (src/train). Reference: issue 5 ("20 RL steps of the
 * trainer on a gpu.js backend give the same per-step metrics as the CPU backend within stated
 * tolerances"); docs/gpu.md § Training on a gpu.js backend.
 *
 * How the fields are judged (the tolerances are RTOL and CONTINUOUS below, with their reasons):
 *   - EXACT: everything that is a function of the sampled tokens and the rewards alone — per-task n,
 *     reward, accuracy, format rate, length, the kept/dropped groups, the advantages and their statistics
 *     (float64 arithmetic on identical rewards, same order: bit-identical), the lr, the optimizer step
 *     count, the held-out evaluations and the learning test — and the clip fractions, token counts that
 *     change only if a ratio lies within rounding (~1e-7) of a clip boundary. Any field not listed in
 *     CONTINUOUS is compared exactly, so a new metric fails here until someone says which kind it is.
 *   - CONTINUOUS: what the float32 model computes from those tokens — entropies, loss, approx KL,
 *     gradient norms and shares, entropy penalties. They differ by float32 rounding.
 *   - The sampled tokens themselves, compared directly (`scored`), every rollout and every evaluation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../src/tensor/backend.js';
import { cpuBackend, setBackend } from '../../src/tensor/index.js';
import { TASKS, TASK_NAMES, type TaskName } from '../../src/tasks/index.js';
import { QUICK, resolveConfig, type TrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';

/**
 * The parity runs' configurations. Both turn the online filter off: from the short QUICK warm start most
 * groups are all-wrong, and a filtered step with no kept group has no update, so no loss, gradient or
 * clip metric to compare; unfiltered, every step updates (the length and format terms still spread the
 * rewards within a group). `bench`: QUICK's sizes (what CI trains), evaluating at 0, 10 and 20. `spec`:
 * fewer and shorter responses, because through the seam with offload 'all' every small product is its own
 * device call (~0.3 ms each on headlessgl, plus a shader compile per new shape) and a QUICK step costs
 * ~20 s there (docs/gpu.md).
 */
export const PARITY_SIZES: Record<'bench' | 'spec', TrainConfigInput> = {
  bench: { ...QUICK, evalEvery: 10, filterGroups: false },
  spec: {
    ...QUICK,
    tasks: ['reading', 'spatial'], // two tasks whose QUICK warm start already varies in format and length, so
    promptsPerStep: 2, //              both have non-zero advantages and gradient-norm shares strictly inside (0, 1)
    groupSize: 4,
    maxNewTokens: 16, // every reference trace fits in 16 tokens
    evalEvery: 10,
    evalExamples: 1,
    evalSamples: 1,
    filterGroups: false,
  },
};

export function parityConfig(outDir: string, name: string, steps: number, size: keyof typeof PARITY_SIZES): TrainConfig {
  return resolveConfig({ ...PARITY_SIZES[size], outDir, name, steps });
}

type Line = Record<string, unknown> & { type: string };

export interface ParityRun {
  readonly backend: string;
  readonly lines: readonly Line[];
  /** Every response the trainer scored, in order (rollouts and evaluations), as token ids. */
  readonly scored: readonly (readonly number[])[];
  /** Wall time of the RL loop per step: the step's phases (ms), from its metrics line. */
  readonly stepMs: readonly number[];
  /** Wall time of each held-out evaluation (ms). */
  readonly evalMs: readonly number[];
}

/**
 * Records what `TASKS[t].score` is called with while `fn` runs: every response of every rollout
 * (score.ts) and evaluation (evaluate.ts) passes through it exactly once. The registry's objects are
 * patched and restored (the trainer has no rollout hook; an `onRollout` option of `train` would replace this).
 */
async function recordingScores<T>(fn: () => Promise<T>): Promise<{ value: T; scored: number[][] }> {
  const scored: number[][] = [];
  const saved = new Map<TaskName, (typeof TASKS)[TaskName]['score']>();
  for (const t of TASK_NAMES) {
    const fam = TASKS[t] as { score: (typeof TASKS)[TaskName]['score'] };
    const orig = fam.score;
    saved.set(t, orig);
    fam.score = (response, example) => {
      scored.push(Array.from(response));
      return orig.call(fam, response, example);
    };
  }
  try {
    return { value: await fn(), scored };
  } finally {
    for (const [t, orig] of saved) (TASKS[t] as { score: typeof orig }).score = orig;
  }
}

function readLines(dir: string): Line[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

/**
 * One run of `c` with `backend` under the tensor seam; the CPU reference is put back whatever happens.
 * Runs sharing `c.outDir` share the warm-start cache, so the second and later start from the very same
 * weights (the first computes the SFT on its own backend: make that the reference).
 */
export async function runOn(backend: Backend, c: TrainConfig): Promise<ParityRun> {
  setBackend(backend);
  try {
    const { value: r, scored } = await recordingScores(() => train(c, { report: false }));
    const lines = readLines(r.dir);
    const stepMs = lines
      .filter((l) => l.type === 'step')
      .map((l) => Object.values(l.phase_ms as Record<string, number>).reduce((a, b) => a + b, 0));
    const evalMs = lines.filter((l) => l.type === 'eval').map((l) => l.eval_ms as number);
    return { backend: backend.name, lines, scored, stepMs, evalMs };
  } finally {
    setBackend(cpuBackend);
  }
}

/** A fresh temporary parent folder for parity runs (the warm-start cache goes inside it). */
export function tempOutDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'g2rpo-parity-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// ── comparing two runs ────────────────────────────────────────────────────────────────────────────────

/**
 * RTOL: the relative tolerance of every metric the float32 model computes. Where the two backends differ:
 * the CPU reference accumulates every gemm in double and rounds once into float32; the gpu.js kernels
 * accumulate in float32 (one rounding per multiply-add) and do softmax, layer norm and the elementwise
 * maps with float32 (GL: ≤ 2.5 ulp division, (3 + 2|x|)-ulp exp) arithmetic. A float32 inner product of
 * length K is within γ_K = K·u/(1 − K·u) of the double one, relatively, when its terms share a sign
 * (Higham eq. 3.5; u = 2⁻²⁴ ≈ 6e-8): γ_256 ≈ 1.5e-5 for the forward's longest products (the MLP's
 * K = 256), more for the weight gradients, which sum over a mini-batch's tokens (K in the hundreds).
 * RTOL = 1e-5 is below even the single-product worst case, so it is not a proven bound for a network and
 * 20 optimizer steps (a rigorous one would be orders of magnitude looser and test nothing); it relies on
 * rounding errors being random-signed (~√K·u ≈ 1e-6 for K = 256, and averaged further by the metrics'
 * means). Measured over 20 steps on every mode: a worst |diff|/tolerance of 0.03 (docs/gpu.md). Any
 * kernel bug (a wrong index, mask, stride or missing term) moves these metrics by 1e-3 to 1.
 */
export const RTOL = 1e-5;

type Ctx = { readonly config: Line; readonly task: Record<string, number | null> | null };

/**
 * The continuous fields, each with the SCALE its rounding error is relative to (tolerance RTOL·scale).
 * Where a metric cancels, its own value is the wrong scale, so the scale is that of its terms.
 */
const CONTINUOUS: Record<string, (ref: number, c: Ctx) => number> = {
  // Means of positive per-token terms (−log π, H): no cancellation.
  'step.tasks.*.entropy_neglogp': (r) => Math.abs(r),
  'step.tasks.*.entropy_true': (r) => Math.abs(r),
  // Token mean of −A·clip(r)·… terms of either sign with |A| ≈ 1 (the estimators' advantages have mean
  // square ≈ 1, adv_sq_mean): the terms' scale is 1, the mean can cancel to ~0.
  'step.loss': (r) => Math.max(Math.abs(r), 1),
  // k3 = r − 1 − log r ≈ Δ²/2 for a log-ratio Δ: first-order error Δ·δΔ with Δ ≈ √(2·k3) and δΔ ≈ RTOL
  // relative to log-probs of order 1, so the scale is √(2·k3), not k3 (≈ 100× larger at k3 ~ 1e-4).
  'step.approx_kl': (r) => Math.max(Math.abs(r), Math.sqrt(2 * Math.abs(r))),
  'step.kl_ref': (r) => Math.max(Math.abs(r), Math.sqrt(2 * Math.abs(r))),
  // Norms and their ratios: dominated by the large gradient entries, no cancellation at the top.
  'step.grad_norm': (r) => Math.abs(r),
  'step.tasks.*.grad_norm': (r) => Math.abs(r),
  'step.tasks.*.grad_norm_share': (r) => Math.abs(r),
  // λ·(distance of the task's mean entropy H outside its band): a hinge, ~0 near the band's edge, with
  // error λ·δH: the scale is λ·H.
  'step.tasks.*.entropy_penalty': (r, c) =>
    Math.max(Math.abs(r), (c.config.entropyLambda as number) * Math.max(c.task?.entropy_neglogp ?? 0, c.task?.entropy_true ?? 0)),
  'summary.grad_norm_share.cv_mean': (r) => Math.abs(r),
  'summary.grad_norm_share.mean_share.*': (r) => Math.abs(r),
};

/** Wall-clock fields, and the run name: never compared. */
const IGNORED = /^(step\.time_s|step\.phase_ms\..*|eval\.eval_ms|summary\.timing\..*|config\.name)$/;

export interface FieldStats {
  /** Values compared (null = null counts as equal). */
  n: number;
  maxAbs: number;
  maxRel: number;
  /** Worst |diff| / tolerance (continuous fields; ≤ 1 passes). */
  worstRatio: number;
  /** The step (or line) of the worst ratio. */
  worstAt: string;
}

export interface PhaseTokens {
  /** `eval 0`, `step 1`, …: a rollout or a held-out evaluation, in the trainer's order. */
  readonly where: string;
  /** Responses it scored (in the reference run). */
  readonly responses: number;
  /** How many of them differ in any token (or in length). */
  readonly differing: number;
}

export interface ParityReport {
  /** Token comparison per scoring phase (every rollout and every evaluation). */
  readonly phases: readonly PhaseTokens[];
  /** The first phase with a different response, or null when every response matched. */
  readonly firstDivergence: string | null;
  /** RL steps compared: those before the first step whose rollout differs (after it, the two runs train on different samples). */
  readonly stepsCompared: number;
  /** Continuous fields by generic name (task names replaced by *). */
  readonly continuous: ReadonlyMap<string, FieldStats>;
  /** Fields that must be equal and are not, or are over their tolerance: `line: path ref → got`. */
  readonly failures: readonly string[];
  /** Exact fields compared (all equal when `failures` has none of them). */
  readonly exactCompared: number;
  /** Per compared RL step (index 0 = step 1): the largest |diff| / tolerance over its continuous fields. */
  readonly worstRatioByStep: readonly number[];
}

/** The phases that score responses, in the trainer's order, with how many responses each scores. */
function scoringPhases(config: Line): { where: string; count: number }[] {
  const tasks = (config.tasks as string[]).length;
  const evalCount = tasks * (config.evalExamples as number) * (1 + (config.evalSamples as number));
  const steps = config.steps as number;
  const every = config.evalEvery as number;
  const out = [{ where: 'eval 0', count: evalCount }];
  for (let s = 1; s <= steps; s++) {
    out.push({ where: `step ${s}`, count: (config.promptsPerStep as number) * (config.groupSize as number) });
    if (s % every === 0 || s === steps) out.push({ where: `eval ${s}`, count: evalCount });
  }
  return out;
}

function flatten(o: unknown, path: string, out: Map<string, unknown>): void {
  if (o !== null && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) flatten(v, path === '' ? k : `${path}.${k}`, out);
  } else out.set(path, o);
}

/** `step.tasks.math.loss` → `step.tasks.*.loss`; likewise for summary shares. */
function generic(path: string): string {
  return path.replace(/^step\.tasks\.[^.]+\./, 'step.tasks.*.').replace(/^summary\.grad_norm_share\.mean_share\.[^.]+$/, 'summary.grad_norm_share.mean_share.*');
}

function lineLabel(l: Line): string {
  return l.step === undefined ? l.type : `${l.type} ${String(l.step)}`;
}

/**
 * Compares run `got` against the reference run `ref` of the same configuration: tokens first (every
 * scored response), then every line up to the first step whose rollout differs (after that the two runs
 * train on different samples and their metrics are not comparable), field by field.
 */
export function compareRuns(ref: ParityRun, got: ParityRun): ParityReport {
  const config = ref.lines[0];
  const failures: string[] = [];
  const phases: PhaseTokens[] = [];
  let at = 0;
  for (const p of scoringPhases(config)) {
    let differing = 0;
    for (let i = at; i < at + p.count; i++) {
      const a = ref.scored[i];
      const b = got.scored[i];
      if (a === undefined || b === undefined || a.length !== b.length || a.some((t, k) => t !== b[k])) differing++;
    }
    phases.push({ where: p.where, responses: p.count, differing });
    at += p.count;
  }
  if (ref.scored.length !== at || got.scored.length !== at) failures.push(`tokens: ${at} responses expected, ${ref.scored.length} in the reference, ${got.scored.length} here`);
  const diverged = phases.filter((p) => p.differing > 0);
  for (const p of diverged) failures.push(`tokens: ${p.differing} of ${p.responses} responses differ in ${p.where}`);
  const firstDivergence = diverged.length > 0 ? diverged[0].where : null;
  // Training is comparable up to the first rollout that differs; an evaluation only if its own tokens match
  // too (its sampler has its own stream, so a differing evaluation does not change the training run).
  const firstStep = diverged.find((p) => p.where.startsWith('step '));
  const trainDiverged = firstStep === undefined ? Infinity : Number(firstStep.where.slice('step '.length));
  const evalDiffers = new Set(diverged.filter((p) => p.where.startsWith('eval ')).map((p) => Number(p.where.slice('eval '.length))));
  const comparable = (l: Line): boolean => {
    if (l.type === 'summary') return diverged.length === 0;
    if (typeof l.step !== 'number' || l.type === 'sft') return true;
    if (l.type === 'eval') return l.step < trainDiverged && !evalDiffers.has(l.step);
    return l.step < trainDiverged;
  };

  const continuous = new Map<string, FieldStats>();
  const worstRatioByStep: number[] = [];
  let exactCompared = 0;
  let stepsCompared = 0;
  if (ref.lines.length !== got.lines.length) failures.push(`lines: ${ref.lines.length} in the reference, ${got.lines.length} here`);
  for (let i = 0; i < Math.min(ref.lines.length, got.lines.length); i++) {
    const la = ref.lines[i];
    const lb = got.lines[i];
    if (!comparable(la)) continue;
    if (la.type === 'step') stepsCompared++;
    const fa = new Map<string, unknown>();
    const fb = new Map<string, unknown>();
    flatten(la, la.type, fa);
    flatten(lb, lb.type, fb);
    for (const k of new Set([...fa.keys(), ...fb.keys()])) {
      if (IGNORED.test(k)) continue;
      const a = fa.get(k);
      const b = fb.get(k);
      const g = generic(k);
      const scale = CONTINUOUS[g];
      if (scale === undefined || typeof a !== 'number' || typeof b !== 'number') {
        exactCompared++;
        // Exact: a function of the tokens and the rewards only (or the config): must be bit-identical.
        if (!Object.is(a, b)) failures.push(`${lineLabel(la)}: ${k} ${JSON.stringify(a)} → ${JSON.stringify(b)} (must be equal)`);
        continue;
      }
      const task = k.startsWith('step.tasks.') ? ((la.tasks as Record<string, Record<string, number | null>>)[k.split('.')[2]] ?? null) : null;
      const d = Math.abs(a - b);
      const tol = RTOL * scale(a, { config, task });
      const s = continuous.get(g) ?? { n: 0, maxAbs: 0, maxRel: 0, worstRatio: 0, worstAt: '' };
      s.n++;
      s.maxAbs = Math.max(s.maxAbs, d);
      if (a !== 0) s.maxRel = Math.max(s.maxRel, d / Math.abs(a));
      const ratio = d === 0 ? 0 : d / tol;
      if (la.type === 'step') worstRatioByStep[(la.step as number) - 1] = Math.max(worstRatioByStep[(la.step as number) - 1] ?? 0, ratio);
      if (ratio > s.worstRatio) {
        s.worstRatio = ratio;
        s.worstAt = lineLabel(la);
      }
      continuous.set(g, s);
      if (!(d <= tol)) failures.push(`${lineLabel(la)}: ${k} ${a} → ${b}: |diff| ${d.toExponential(2)} > tolerance ${tol.toExponential(2)}`);
    }
  }
  return { phases, firstDivergence, stepsCompared, continuous, failures, exactCompared, worstRatioByStep };
}
