// The PyTorch runner of the `tensor` bench (bench/tensor/torch.ts): reading the anchor's JSON line out of
// its stdout, and saying why (instead of throwing) when no Python with torch is there. The real anchor is
// not run here (importing torch alone takes seconds); `npm run bench -- tensor` runs it.
import { describe, expect, it } from 'vitest';
import { findTorchPython, parseTorchLine, runTorchAnchor } from '../../../bench/tensor/torch.js';

// The anchor's line as its `json.dumps({...})` writes it (key order and spacing of Python's json).
const LINE = '{"config": "vlm-tiny", "params": 859200, "threads": 1, "step_ms": 97.5, "text_tokens_per_s": 10502.5}';

describe('parseTorchLine', () => {
  it("reads the anchor's line, after warnings and before a trailing newline", () => {
    const step = parseTorchLine(`UserWarning: enable_nested_tensor is True\n  warnings.warn(\n${LINE}\n`);
    expect(step).toEqual({ config: 'vlm-tiny', params: 859200, threads: 1, step_ms: 97.5, text_tokens_per_s: 10502.5 });
  });

  it('takes the last valid line and skips broken or incomplete ones', () => {
    const other = LINE.replace('97.5', '50').replace('10502.5', '20480');
    expect(parseTorchLine(`${LINE}\n${other}\n{"config": "vlm-tiny"\n`)?.step_ms).toBe(50);
  });

  it('returns null without a complete line: missing field, zero or non-numeric time, no JSON', () => {
    expect(parseTorchLine('')).toBeNull();
    expect(parseTorchLine('step took 97 ms')).toBeNull();
    expect(parseTorchLine(LINE.replace('"threads": 1, ', ''))).toBeNull();
    expect(parseTorchLine(LINE.replace('97.5', '0'))).toBeNull();
    expect(parseTorchLine(LINE.replace('97.5', '"97.5"'))).toBeNull();
    expect(parseTorchLine(LINE.replace('"vlm-tiny"', '7'))).toBeNull();
  });
});

describe('findTorchPython / runTorchAnchor', () => {
  it('names every candidate that failed, and the anchor run reports a missing script instead of throwing', () => {
    const r = findTorchPython(['/nonexistent/python3-a', '/nonexistent/python3-b']);
    expect('reason' in r && r.reason).toMatch(/no Python with torch.*python3-a.*python3-b/);
    const missing = runTorchAnchor('/nonexistent/torch_vlm_step.py');
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.reason).toMatch(/anchor not found at \/nonexistent/);
  });
});
