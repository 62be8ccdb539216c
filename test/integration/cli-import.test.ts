import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWorkspace } from '../support/cli.js';
import { inProcessCli } from '../support/cli-in-process.js';

/*
 * `portico legacy import` and `portico users import`: what they store and what they say, run
 * through the CLI's runner in this process (cli-commands.test.ts runs the binary itself).
 */

const BCRYPT = '$2y$06$vIIRyrDZrcIXNzTgc/IROe.16kfmewEAQ88mauQHF.Pti3LW3qld2';
const SHA512 = '$6$Xy7salt01$33JZJsL1X5kHijVLfKeF70eyc2PAKuFU.sSb4qtlyEzWxMD./NNbGiCbFpk2eFu7o/76PJh0uhDnATbP7ZL00.';

const { dir, env } = cliWorkspace('portico-import-', [
  { client_id: 'trucase-portal', client_name: 'TruCase', client_secret: '0123456789abcdef0123', redirect_uris: ['https://trucase.example/cb'], legacy_link: { system: 'trucase', display_name: 'TruCase' } },
]);
const cli = inProcessCli(env);
const command = (...args: string[]) => cli.run(args);

function write(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const line = (subject: string, username: string, hash = BCRYPT) => JSON.stringify({ subject, username, password_hash: hash });

async function stored(): Promise<Array<{ subject: string; username: string; password_hash: string }>> {
  const db = await cli.db();
  return db.selectFrom('legacy_accounts').select(['subject', 'username', 'password_hash']).where('system', '=', 'trucase').orderBy('subject').execute();
}

beforeAll(async () => {
  expect((await command('migrate')).code).toBe(0);
});
afterAll(async () => {
  await cli.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('portico legacy import', () => {
  it('reports a subject or username repeated within the file by line number, and keeps the first', async () => {
    const file = write('repeats.jsonl', [line('TC-1', 'ana.tc'), line('TC-2', 'bo.tc'), line('TC-1', 'ana.again', SHA512), line('TC-3', 'BO.TC')]);
    const run = await command('legacy', 'import', 'trucase', file);
    expect(run).toEqual({
      code: 1,
      out: 'trucase: 2 imported, 2 skipped\n',
      err: `portico: ${file}: line 3: subject "TC-1" repeats line 1\nportico: ${file}: line 4: username "BO.TC" repeats line 2\n`,
    });
    expect(await stored()).toEqual([
      { subject: 'TC-1', username: 'ana.tc', password_hash: BCRYPT },
      { subject: 'TC-2', username: 'bo.tc', password_hash: BCRYPT },
    ]);
  });

  it('leaves a subject imported before as it was, unless --existing update says to replace it', async () => {
    const file = write('again.jsonl', [line('TC-1', 'ana.tc', SHA512), line('TC-4', 'cy.tc')]);
    expect(await command('legacy', 'import', 'trucase', file)).toEqual({ code: 0, err: '', out: 'trucase: 1 imported, 1 already imported and kept (--existing update replaces them), 0 skipped\n' });
    expect((await stored()).find((r) => r.subject === 'TC-1')!.password_hash).toBe(BCRYPT);
    expect(await command('legacy', 'import', 'trucase', file, '--existing', 'update')).toEqual({ code: 0, err: '', out: 'trucase: 0 imported, 2 updated, 0 skipped\n' });
    expect((await stored()).find((r) => r.subject === 'TC-1')!.password_hash).toBe(SHA512);
    expect(await command('legacy', 'import', 'trucase', file, '--existing', 'merge')).toEqual({ code: 2, out: '', err: 'portico: --existing takes skip or update, not "merge"\n' });
  });

  it('names the column a CSV header lacks', async () => {
    const file = write('no-subject.csv', ['id,username,password_hash', `TC-9,dee.tc,${BCRYPT}`]);
    expect(await command('legacy', 'import', 'trucase', file)).toEqual({
      code: 1,
      out: '',
      err: `portico: ${file}: line 1: the header has no "subject" column; it must name subject,username,password_hash (optional: email, name), found id,username,password_hash\n`,
    });
  });
});

describe('portico users import', () => {
  it('reports a username or email repeated within the file, and a missing column by name', async () => {
    const file = write('users.csv', [
      'username,email,password_hash,name',
      `eve.old,eve@example.com,${BCRYPT},Eve`,
      `EVE.OLD,eve2@example.com,${BCRYPT},Eve Again`,
      `fay.old,EVE@example.com,${BCRYPT},Fay`,
    ]);
    expect(await command('users', 'import', file)).toEqual({
      code: 1,
      out: '1 ID(s) imported, 2 skipped\n',
      err: `portico: ${file}: line 3: username "EVE.OLD" repeats line 2\nportico: ${file}: line 4: email "EVE@example.com" repeats line 2\n`,
    });
    const noEmail = write('users-no-email.csv', ['username,password_hash', `gus.old,${BCRYPT}`]);
    expect((await command('users', 'import', noEmail)).err).toBe(`portico: ${noEmail}: line 1: the header has no "email" column; it must name username,email,password_hash (optional: name), found username,password_hash\n`);
  });
});
