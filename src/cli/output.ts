import type { CommandIo } from './context.js';

/**
 * Lines as the CLI prints them: each line ends in a newline, each error is one line after
 * "portico:", as operators' scripts expect. `write` takes the finished text.
 */
export function lineWriter(write: { out(text: string): void; err(text: string): void }): Pick<CommandIo, 'out' | 'err'> {
  return {
    out: (line) => write.out(`${line}\n`),
    err: (line) => write.err(`portico: ${firstLine(line)}\n`),
  };
}

/** The CLI's only writer to the terminal. */
export const terminal = lineWriter({
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
});

export function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}
