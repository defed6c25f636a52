// A CommandIO that records what a command writes, for specs that run commands in-process.
import type { CommandIO } from '../../src/cli/command.js';

export type CapturedIO = CommandIO & { stdout: string; stderr: string };

/** Empty stdin (as from a terminal); stdout and stderr accumulate into the returned object's fields. */
export function captureIO(): CapturedIO {
  const o = {
    stdout: '',
    stderr: '',
    readStdin: async () => '',
    stdinIsTTY: true,
    writeStdout: (t: string) => void (o.stdout += t),
    writeStderr: (t: string) => void (o.stderr += t),
  };
  return o;
}
