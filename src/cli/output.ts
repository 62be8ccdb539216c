import type { CommandIo } from './context.js';

/** The CLI's only writer to the terminal. Errors stay one line each, as operators' scripts expect. */
export const terminal: Pick<CommandIo, 'out' | 'err'> = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (line) => {
    process.stderr.write(`portico: ${firstLine(line)}\n`);
  },
};

export function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}
