/**
 * The training run: checks (config already resolved; `--resume` checkpoint read and matched BEFORE any
 * work), warm start (cached SFT), evaluation at step 0, then RL steps (step.ts) with held-out evaluation
 * every K steps and at the end, a checkpoint every `checkpointEvery` steps, a progress bar, and the final
 * summary with the learning test. Writes `<outDir>/<name>/metrics.jsonl`, `checkpoints/`, and (when the
 * report builder is there) `report.html`.
 *
 *   runs/<name>/metrics.jsonl                 config, sft…, eval(0), step, advantages, …, eval(K), …, summary
 *   runs/<name>/checkpoints/latest.safetensors   the resumable state (checkpoint.ts)
 *   runs/<name>/checkpoints/final.safetensors    the same, at the end of the run
 *   runs/.cache/warmstart-….safetensors          the shared warm start (sft.ts)
 *
 * Not here: what a step does (step.ts), the CLI (src/cli/train.ts).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW } from '../optim/index.js';
import type { EmaStdState } from '../rl/advantages/index.js';
import { Rng } from '../tensor/index.js';
import { SeededRng } from '../tasks/index.js';
import { cloneVlm, getPreset } from '../vlm/index.js';
import { checkResumable, checkpointPath, restoreCheckpoint, runDir, saveCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { deriveSeed, evalSet } from './data.js';
import { evaluate, type EvalResult } from './evaluate.js';
import { Progress, formatDuration } from './progress.js';
import { RunLog } from './run-log.js';
import { loadWarmStart, warmStart } from './sft.js';
import { rlStep, type StepState } from './step.js';
import { ENTROPY_BANDS, LENGTH_ENVELOPES } from './suite.js';
import { summaryRecord, type StepTaskShares } from './summary.js';

export interface TrainIO {
  /** Progress and notes (stderr). */
  readonly log: (text: string) => void;
  readonly isTTY: boolean;
}

export interface TrainOptions {
  /** Continue from `<run>/checkpoints/latest.safetensors`. */
  readonly resume?: boolean;
  /** Stop (as if killed) right after the checkpoint of this step; for testing resume. */
  readonly stopAfter?: number;
  readonly io?: TrainIO;
  /** Build report.html at the end (default true). */
  readonly report?: boolean;
  /**
   * Facts about where the run ran (e.g. `{ backend: … }`), written into the config record of
   * metrics.jsonl. Not configuration: they change no number, the warm-start key or the checkpoint.
   */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface TrainResult {
  readonly dir: string;
  /** The summary line, or null when the run stopped early (stopAfter). */
  readonly summary: Record<string, unknown> | null;
  /** What happened to report.html (built, or why not). */
  readonly report: string;
}

const SILENT: TrainIO = { log: () => {}, isTTY: false };

const ABBREV: Record<string, string> = { grounding: 'gr', reading: 're', counting: 'co', chart: 'ch', spatial: 'sp', math: 'ma' };

function rewardsText(rewards: Record<string, number | null>): string {
  return Object.entries(rewards)
    .map(([t, r]) => `${ABBREV[t] ?? t} ${r === null ? '  - ' : r.toFixed(2)}`)
    .join(' ');
}

/** report.html through src/report's buildReport, if that module exists yet (it is written separately). */
export async function tryReport(fn: 'buildReport' | 'buildCompareReport', ...args: unknown[]): Promise<string> {
  const where = '../report/index.js'; // a variable: the module may not exist when this compiles
  let mod: Record<string, unknown>;
  try {
    mod = (await import(where)) as Record<string, unknown>;
  } catch (e) {
    return `not built: src/report is not available (${(e as Error).message.split('\n')[0]})`;
  }
  const f = mod[fn];
  if (typeof f !== 'function') return `not built: src/report has no ${fn}`;
  try {
    const out = await (f as (...a: unknown[]) => unknown)(...args);
    return typeof out === 'string' ? `built: ${out}` : 'built';
  } catch (e) {
    // The run's files are complete; a report failure must not turn a finished run into an error.
    return `not built: ${fn} failed (${(e as Error).message.split('\n')[0]})`;
  }
}

function configRecord(c: TrainConfig, warmPath: string, meta: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    type: 'config',
    ...meta,
    ...c,
    model: getPreset(c.preset),
    warm_start: warmPath,
    lengthEnvelopes: Object.fromEntries(c.tasks.map((t) => [t, Object.values(LENGTH_ENVELOPES[t])])),
    entropyBands: Object.fromEntries(c.tasks.map((t) => [t, [ENTROPY_BANDS[t].hMin, ENTROPY_BANDS[t].hMax]])),
  };
}

function evalRecord(step: number, e: EvalResult, ms: number): Record<string, unknown> {
  return { type: 'eval', step, tasks: e.tasks, eval_ms: ms };
}

/** Step records of a metrics.jsonl text (for the summary's share equity over the whole run). */
function stepTaskRecords(path: string): Record<string, StepTaskShares>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"type":"step"'))
    .map((l) => (JSON.parse(l) as { tasks: Record<string, StepTaskShares> }).tasks);
}

export async function train(c: TrainConfig, o: TrainOptions = {}): Promise<TrainResult> {
  const io = o.io ?? SILENT;
  // Everything that can be wrong with the request is checked before any work: the config was resolved by
  // resolveConfig; a resume needs a readable checkpoint of the same configuration.
  const ck: LoadedCheckpoint | null = o.resume === true ? checkResumable(c) : null;
  const dir = runDir(c);
  const tStart = performance.now();
  const timing: Record<string, number> = {};

  if (ck === null) {
    if (existsSync(join(dir, 'metrics.jsonl'))) io.log(`replacing the previous run in ${dir}\n`);
    rmSync(join(dir, 'checkpoints'), { recursive: true, force: true });
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  }
  const sftBar = new Progress(io.log, io.isTTY, 'warm start (SFT)', c.sft.steps);
  const ws = warmStart(c, (step, loss) => {
    if (step % 10 === 0 || step === c.sft.steps) sftBar.update(step, `loss ${loss.toFixed(3)}`);
  });
  sftBar.finish();
  io.log(ws.cached ? `warm start: cached ${ws.path}\n` : `warm start: ${c.sft.steps} SFT steps in ${formatDuration(ws.ms)}, saved ${ws.path}\n`);
  timing.sft_s = ws.ms / 1000;

  const model = loadWarmStart(c, ws.path);
  const ref = c.klBeta > 0 ? cloneVlm(model) : null;
  const opt = new AdamW(model.parameterDict(), { lr: c.lr, weightDecay: c.weightDecay });
  const examples = evalSet(c.seed, c.tasks, c.evalExamples);
  const evalOpts = { seed: c.seed, maxNewTokens: c.maxNewTokens, tasks: c.tasks, samples: c.evalSamples };
  const metricsPath = join(dir, 'metrics.jsonl');

  let log: RunLog;
  let warmEval: EvalResult;
  let state: StepState;
  let first: number;
  let elapsedBefore = 0;
  if (ck !== null) {
    restoreCheckpoint(ck, model, opt);
    log = RunLog.resume(metricsPath, ck.state.metricsBytes);
    warmEval = ck.state.warmEval;
    state = {
      model,
      ref,
      opt,
      dataRng: SeededRng.fromState(ck.state.dataRngState),
      sampleRng: Rng.fromState(ck.state.sampleRngState),
      emaState: new Map(ck.state.emaState) as EmaStdState,
    };
    first = ck.state.step + 1;
    elapsedBefore = ck.state.elapsedMs;
    io.log(`resuming ${dir} after step ${ck.state.step}\n`);
  } else {
    log = RunLog.create(metricsPath);
    log.write(configRecord(c, ws.path, o.meta));
    for (const p of ws.losses) log.write({ type: 'sft', step: p.step, loss: p.loss });
    const t0 = performance.now();
    warmEval = evaluate(model, examples, evalOpts);
    log.write(evalRecord(0, warmEval, performance.now() - t0));
    state = {
      model,
      ref,
      opt,
      dataRng: new SeededRng(deriveSeed(c.seed, 'prompts')),
      sampleRng: new Rng(deriveSeed(c.seed, 'rollout')),
      emaState: new Map(),
    };
    first = 1;
  }
  const elapsedMs = () => elapsedBefore + performance.now() - tStart;
  const checkpoint = (step: number) =>
    saveCheckpoint(checkpointPath(c), model, opt, {
      step,
      config: (({ name: _n, outDir: _o, ...rest }) => rest)(c),
      dataRngState: state.dataRng.state,
      sampleRngState: state.sampleRng.getState(),
      emaState: [...state.emaState],
      warmEval,
      elapsedMs: elapsedMs(),
      metricsBytes: log.length,
    });
  if (ck === null) checkpoint(0);

  const bar = new Progress(io.log, io.isTTY, 'RL', c.steps, first - 1);
  const phaseTotals: Record<string, number> = {};
  let lastEval: EvalResult = warmEval;
  // A fresh run's last evaluation is step 0's; a resumed one re-evaluates at the end if the loop has no
  // evaluation left to do (resuming a finished run: same model, same seeds, so the same numbers).
  let lastEvalStep = ck === null ? 0 : -1;
  for (let step = first; step <= c.steps; step++) {
    const rec = rlStep(c, state, step);
    for (const [k, v] of Object.entries(rec.phaseMs)) phaseTotals[k] = (phaseTotals[k] ?? 0) + v;
    log.write({ ...rec.step, time_s: elapsedMs() / 1000, phase_ms: rec.phaseMs });
    log.write(rec.advantages);
    const doEval = step % c.evalEvery === 0 || step === c.steps;
    if (doEval) {
      const t0 = performance.now();
      lastEval = evaluate(model, examples, evalOpts);
      log.write(evalRecord(step, lastEval, performance.now() - t0));
      lastEvalStep = step;
    }
    if (doEval || step % c.checkpointEvery === 0) checkpoint(step);
    const kept = rec.step.kept_groups as number;
    bar.update(step, `R ${rewardsText(rec.rewards)} | kept ${kept}/${kept + (rec.step.dropped_groups as number)} | ${(Object.values(rec.phaseMs).reduce((a, b) => a + b, 0) / 1000).toFixed(1)}s/step`);
    if (o.stopAfter !== undefined && step >= o.stopAfter && step < c.steps) {
      bar.finish();
      if (!doEval && step % c.checkpointEvery !== 0) checkpoint(step);
      return { dir, summary: null, report: 'not built: stopped early' };
    }
  }
  bar.finish();
  if (lastEvalStep !== c.steps) lastEval = evaluate(model, examples, evalOpts);
  const ran = c.steps - first + 1;
  const summary = summaryRecord({
    seed: c.seed,
    tasks: c.tasks,
    steps: c.steps,
    warm: warmEval,
    final: lastEval,
    stepTasks: stepTaskRecords(metricsPath),
    timing: {
      wall_s: elapsedMs() / 1000,
      this_process_s: (performance.now() - tStart) / 1000,
      sft_s: timing.sft_s,
      steps_timed: ran,
      phase_ms_mean: Object.fromEntries(Object.entries(phaseTotals).map(([k, v]) => [k, ran > 0 ? v / ran : null])),
    },
  });
  // The summary is not in the checkpoint's byte count (the last checkpoint was written before it), so a
  // resume with more --steps cuts it and goes on.
  log.write(summary);
  copyFileSync(checkpointPath(c), join(dir, 'checkpoints', 'final.safetensors'));
  const report = o.report === false ? 'not built: disabled' : await tryReport('buildReport', dir);
  return { dir, summary, report };
}
