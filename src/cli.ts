/**
 * The `g2rpo` command: `g2rpo <command> [options]`. A dispatcher only: it looks the subcommand up in
 * COMMANDS, hands it argv and the process's stdin/stdout/stderr, and sets the exit code. Each command
 * lives in src/cli/<name>.ts: advantages, train, compare.
 *
 * Run it with `npx tsx src/cli.ts advantages …`, `npm run advantages -- …`, or the `g2rpo` bin
 * (bin/g2rpo.js). The exit code is set through process.exitCode, not process.exit(), so a large
 * stdout written to a pipe is flushed before the process ends.
 */
import { advantagesCommand } from './cli/advantages.js';
import { compareCommand } from './cli/compare.js';
import { trainCommand } from './cli/train.js';
import { EXIT_BUG, EXIT_OK, EXIT_USAGE, type Command, type CommandIO } from './cli/command.js';

const COMMANDS: readonly Command[] = [advantagesCommand, trainCommand, compareCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: g2rpo <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'g2rpo <command> --help' for a command's options and examples.",
    '',
  ].join('\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const processIO: CommandIO = {
  readStdin,
  stdinIsTTY: process.stdin.isTTY === true,
  writeStdout: (text) => void process.stdout.write(text),
  writeStderr: (text) => void process.stderr.write(text),
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    processIO.writeStderr(usage());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    processIO.writeStdout(usage());
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    processIO.writeStderr(`g2rpo: ${name}: unknown command (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`);
    return EXIT_USAGE;
  }
  return command.run(rest, processIO);
}

// `g2rpo advantages < big.jsonl | head -c 100`: the reader leaving early is not an error of ours; stop
// quietly instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit();
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // Bad input never lands here (commands report it and return 2): this is a bug, so show the stack.
  process.stderr.write(`g2rpo: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = EXIT_BUG;
}
