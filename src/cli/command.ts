/**
 * The shape every `g2rpo` subcommand has: a name, a one-line summary for `g2rpo --help`, and a `run`
 * that talks to the world only through `CommandIO` and returns its exit code. The dispatcher (src/cli.ts)
 * wires `CommandIO` to the process; the specs can wire it to strings.
 *
 * Exit codes: 0 success, 2 bad usage or bad input (one line on stderr, nothing on stdout), 1 a bug.
 */
export interface CommandIO {
  /** All of standard input as UTF-8 text (read only when the command needs it). */
  readStdin(): Promise<string>;
  /** True when standard input is a terminal (nothing piped in). */
  readonly stdinIsTTY: boolean;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: readonly string[], io: CommandIO): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_BUG = 1;
export const EXIT_USAGE = 2;
