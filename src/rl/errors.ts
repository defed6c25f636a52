/**
 * The one error type of bad input across the library: it names the field and the problem, so the CLI can
 * print `line 3: rewards[4]: not a finite number` and callers can branch on `field`.
 */
export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'InputError';
  }
}
