/** Reads the password on the operator's side, before a command runs here or in the server. */

/** The password in what stdin held: all of it, less the one trailing newline that `echo` and files end a line with. */
export function passwordFromStdin(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/**
 * The password for `users create --password-stdin`. Without the flag nothing is read: the
 * command mails a link to set a password instead, so no operator types someone else's password.
 */
export async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return passwordFromStdin(Buffer.concat(chunks).toString('utf8'));
}
