// The parameter count the `tensor` bench checks our vlm-tiny against before timing its step
// (bench/tensor/step.ts `anchorParamCount`, the anchor's module list), beside the model's own count.
import { describe, expect, it } from 'vitest';
import { anchorParamCount } from '../../../bench/tensor/step.js';
import { PRESET_NAMES, VLM, getPreset } from '../../../src/vlm/index.js';

describe('anchorParamCount', () => {
  it('vlm-tiny: 859,200, summed by hand from the anchor (torch_vlm_step.py)', () => {
    // patch 192·128+128 = 24,704; vpos 16·128 = 2,048; proj 16,512; tok 64·128 = 8,192; tpos 48·128 = 6,144;
    // norm 256; head 128·64+64 = 8,256; each block: 2 LayerNorms 512, in_proj 3·128²+384 = 49,536,
    // out_proj 16,512, linear1 128·512+512 = 66,048, linear2 512·128+128 = 65,664 → 198,272; 4 blocks.
    expect(anchorParamCount(getPreset('vlm-tiny'))).toBe(24_704 + 2_048 + 16_512 + 8_192 + 6_144 + 256 + 8_256 + 4 * 198_272);
  });

  it('equals the VLM module tree of every preset (so the check the bench makes can pass, and fails for a wrong layout)', () => {
    for (const name of PRESET_NAMES) {
      const cfg = getPreset(name);
      expect(anchorParamCount(cfg)).toBe(new VLM(cfg, { seed: 0 }).numParameters());
      expect(anchorParamCount({ ...cfg, decoderLayers: cfg.decoderLayers + 1 })).not.toBe(new VLM(cfg, { seed: 0 }).numParameters());
    }
  });
});
