/**
 * The field an InputError names, for "rejects bad input with the field named" tests: the thrown error
 * must be an InputError (anything else fails the test); 'no error' when the call returns.
 */
import { expect } from 'vitest';
import { InputError } from '../../src/rl/errors.js';

export function inputErrorField(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).field;
  }
  return 'no error';
}
