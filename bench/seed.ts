import { randomBytes } from 'node:crypto';
import type { Policy } from '../src/config/index.js';
import { insertAccount } from '../src/identity/accounts.js';
import { PasswordHasher } from '../src/identity/passwords.js';
import { trustDevice } from '../src/identity/trusted-devices.js';
import { openDatabase } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrator.js';
import { DEVICE_TOKEN, PASSWORD } from './fixtures.js';

/**
 * Accounts as registration leaves them (verified email, current terms accepted), each
 * remembering the bench's device so sign-in needs no second step. One argon2id hash at the
 * policy's parameters serves them all: verifying it costs the same whichever account it is.
 * Returns the usernames and the hash (for the raw argon2 measurement).
 */
export async function seedAccounts(databaseUrl: string, policy: Policy, count: number): Promise<{ logins: string[]; hash: string }> {
  const database = await openDatabase({ databaseUrl, dataDir: 'unused' });
  try {
    await migrateToLatest(database.db);
    const hash = await new PasswordHasher(policy.argon2).hash(PASSWORD);
    const logins: string[] = [];
    // Names unique to this run, so a second run on the same DATABASE_URL does not collide.
    const run = randomBytes(3).toString('hex');
    for (let i = 0; i < count; i++) {
      const username = `bench${run}${String(i).padStart(4, '0')}`;
      const account = await insertAccount(database.db, { username, email: `${username}@example.com`, givenName: 'Bench', familyName: 'User', passwordHash: hash, emailVerified: true });
      await database.db.updateTable('accounts').set({ terms_version: policy.registration.terms.version, terms_accepted_at: new Date() }).where('id', '=', account.id).execute();
      await trustDevice(database.db, account.id, DEVICE_TOKEN, 'bench', 1);
      logins.push(username);
    }
    return { logins, hash };
  } finally {
    await database.close();
  }
}
