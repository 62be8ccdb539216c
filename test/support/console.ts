import { expect } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import type { Db } from '../../src/storage/database.js';
import { DEVICE_COOKIE, TEST_DEVICE_TOKEN, type TestPortico } from './portico.js';
import { formAction, hiddenInput, UserAgent } from './user-agent.js';

/* The help-desk console's tests: a `portico` command in-process, and a staff member's browser signed in to /admin. */

export type Page = Awaited<ReturnType<UserAgent['follow']>>;

/** Runs a `portico` command against the test server's database, as operator desk-ann. */
export async function runCli(portico: TestPortico, db: Db, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { config: portico.config, db: async () => db, out: (l) => void out.push(l), err: (l) => void err.push(l), operator: 'desk-ann' };
  const code = await runCommand(argv, ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function accessCode(db: Db, email: string): Promise<string> {
  const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return /^(\d{6})$/m.exec(mail.text_body)![1]!;
}

/** Opens /admin in a browser that remembers the test device: the console still asks for the emailed code. */
export async function openConsole(portico: TestPortico, db: Db, user: { username: string; email: string; password: string }): Promise<{ agent: UserAgent; page: Page }> {
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  const signIn = await agent.follow(`${portico.url}/admin`);
  const action = /action="([^"]+\/login)"/.exec(signIn.html!)![1]!;
  const step = await agent.follow(new URL(action, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
  expect(step.url).toMatch(/\/access-code$/);
  const codeAction = new URL(formAction(step.html!, /\/access-code$/)!, step.url).toString();
  const page = await agent.follow(codeAction, { form: { csrf: hiddenInput(step.html!, 'csrf')!, code: await accessCode(db, user.email) } });
  return { agent, page };
}
