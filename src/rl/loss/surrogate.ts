/**
 * The PPO clipped surrogate for one token, forward and derivative side by side: separate low/high clip,
 * verl's dual clip for negative advantages, TRL's δ cap. A primitive over numbers: it knows nothing of
 * batches, masks or aggregation (aggregate.ts), nor of how the ratio was formed (ratio.ts).
 * Reference: PPO (Schulman et al. 2017) eq. 7; dual clip (Ye et al. 2019, arXiv 1912.09729; verl
 * `clip_ratio_c`); clip-higher (DAPO); δ (INTELLECT-2, TRL `delta`). Proofs: proofs/policy-loss.md §1.
 *
 * Token loss, with r the importance ratio and A the advantage:
 *   u = min(r, δ)                         (δ = +∞ when off)
 *   κ = clip(r, 1 − ε_low, 1 + ε_high)
 *   ℓ = max(−A·u, −A·κ)                   (= −min(A·u, A·κ), PPO's pessimistic bound)
 *   A < 0 with dual clip c:  ℓ = min(ℓ, −A·c)
 */

export interface ClipParams {
  readonly clipLow: number;
  readonly clipHigh: number;
  readonly dualClip: number | null;
  readonly delta: number | null;
}

/**
 * Which term of ℓ is active. Only 'unclipped' depends on r (ℓ = −A·r, dℓ/dr = −A); every other branch
 * is a constant in r, so its derivative is 0:
 *   'clip-low'  ℓ = −A·(1 − ε_low)   (A < 0, r < 1 − ε_low)
 *   'clip-high' ℓ = −A·(1 + ε_high)  (A > 0, r > 1 + ε_high)
 *   'delta'     ℓ = −A·δ             (A < 0, r > δ; with δ < 1 + ε_high also A > 0, δ < r ≤ 1 + ε_high)
 *   'dual'      ℓ = −A·c             (A < 0, −A·c below the PPO loss)
 */
export type SurrogateBranch = 'unclipped' | 'clip-low' | 'clip-high' | 'delta' | 'dual';

/**
 * Picks the active term by comparing the same numbers the forward pass takes the max/min of, so the
 * value and the derivative can never disagree. Ties (r exactly on a boundary) go to the branch that
 * still depends on r, i.e. the one-sided derivative from inside the trust region (torch.clamp also
 * passes the gradient at its bounds).
 */
export function surrogateBranch(r: number, A: number, p: ClipParams): SurrogateBranch {
  const lo = 1 - p.clipLow;
  const hi = 1 + p.clipHigh;
  const u = p.delta !== null && r > p.delta ? p.delta : r;
  const kappa = r < lo ? lo : r > hi ? hi : r;
  const lossU = -A * u;
  const lossK = -A * kappa;
  let branch: SurrogateBranch;
  let ppo: number;
  if (lossK > lossU) {
    // κ wins. When r is inside the bounds κ = r itself (possible only when δ < r ≤ 1 + ε_high, A < 0).
    branch = r < lo ? 'clip-low' : r > hi ? 'clip-high' : 'unclipped';
    ppo = lossK;
  } else {
    branch = u !== r ? 'delta' : 'unclipped';
    ppo = lossU;
  }
  if (A < 0 && p.dualClip !== null && ppo > -A * p.dualClip) branch = 'dual';
  return branch;
}

/** ℓ(r, A): the token loss (to minimise). */
export function surrogateLoss(r: number, A: number, p: ClipParams): number {
  return branchLoss(surrogateBranch(r, A, p), r, A, p);
}

/** dℓ/dr: −A on the unclipped branch, 0 on every clipped one (the "no gradient where clipped" rule). */
export function surrogateDRatio(r: number, A: number, p: ClipParams): number {
  return branchDRatio(surrogateBranch(r, A, p), A);
}

/** The value of a given branch (callers that need value and derivative pick the branch once). */
export function branchLoss(branch: SurrogateBranch, r: number, A: number, p: ClipParams): number {
  switch (branch) {
    case 'unclipped':
      return -A * r;
    case 'clip-low':
      return -A * (1 - p.clipLow);
    case 'clip-high':
      return -A * (1 + p.clipHigh);
    case 'delta':
      return -A * (p.delta as number);
    case 'dual':
      return -A * (p.dualClip as number);
  }
}

/** The derivative dℓ/dr of a given branch. */
export function branchDRatio(branch: SurrogateBranch, A: number): number {
  return branch === 'unclipped' ? -A : 0;
}
