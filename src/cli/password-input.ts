/** Reads the password on the operator's side, before a command runs here or in the server. */

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is how `echo` and files end a line, not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const ENTER = new Set(['\r', '\n', '\u0004']);
const ERASE = new Set(['\u007f', '\b']);

/** Asks on the terminal in raw mode, so nothing typed is echoed. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\u0003') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (ENTER.has(ch)) {
          finish();
          resolve(typed.join(''));
          return;
        }
        if (ERASE.has(ch)) typed = typed.slice(0, -1);
        else if (ch >= ' ') typed.push(ch);
      }
    };
    input.on('data', onData);
  });
}

/**
 * The password for `users create`: all of stdin with --password-stdin, else asked twice on a
 * terminal; undefined when there is neither (the command then refuses).
 */
export async function readPassword(fromStdin: boolean): Promise<string | undefined> {
  if (fromStdin) return readStdin();
  if (!process.stdin.isTTY) return undefined;
  const first = await promptHidden('Password: ');
  const again = await promptHidden('Password again: ');
  if (first !== again) throw new Error('the two passwords differ; nothing was created');
  return first;
}
