// The worked examples of the paper's Fig. 2 (one group of five), as given in the conformance README.
import { describe, expect, it } from 'vitest';
import { ot } from '../../src/rl/ot.js';

describe('ot: paper Fig. 2 worked examples', () => {
  it('[0,0,0,0,1] → [−0.320 ×4, 1.282]', () => {
    const a = ot([0, 0, 0, 0, 1]);
    for (let i = 0; i < 4; i++) expect(a[i]).toBeCloseTo(-0.32039, 5);
    expect(a[4]).toBeCloseTo(1.28155, 5);
  });
  it('[0.1,0.1,0.1,0.2,1.0] → [−0.602 ×3, 0.524, 1.282]', () => {
    const a = ot([0.1, 0.1, 0.1, 0.2, 1.0]);
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(-0.60198, 5);
    expect(a[3]).toBeCloseTo(0.5244, 4);
    expect(a[4]).toBeCloseTo(1.28155, 5);
  });
});
