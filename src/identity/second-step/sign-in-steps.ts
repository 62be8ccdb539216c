import type { Db } from '../../storage/database.js';
import type { SignInStep } from '../../storage/schema.js';

/**
 * A sign-in between the password and the end of its second step, keyed by the oidc-provider
 * interaction uid: any process can serve the next request, and the step dies with the
 * interaction (docs/architecture.md: step state lives with the interaction, never in memory).
 */
export type { SignInStep };
export type Stage = SignInStep['stage'];

export async function saveStep(db: Db, uid: string, accountId: string | null, stage: Stage, amr: string[], ttlSeconds: number): Promise<void> {
  const row = { account_id: accountId, stage, amr: amr.join(' '), expires_at: new Date(Date.now() + ttlSeconds * 1000) };
  await db
    .insertInto('sign_in_steps')
    .values({ interaction_uid: uid, ...row })
    .onConflict((oc) => oc.column('interaction_uid').doUpdateSet({ ...row, remember: false }))
    .execute();
}

export function findStep(db: Db, uid: string): Promise<SignInStep | undefined> {
  return db.selectFrom('sign_in_steps').selectAll().where('interaction_uid', '=', uid).where('expires_at', '>', new Date()).executeTakeFirst();
}

export async function updateStep(db: Db, uid: string, change: { stage?: Stage; amr?: string[]; remember?: boolean }): Promise<void> {
  await db
    .updateTable('sign_in_steps')
    .set({ ...(change.stage ? { stage: change.stage } : {}), ...(change.amr ? { amr: change.amr.join(' ') } : {}), ...(change.remember !== undefined ? { remember: change.remember } : {}) })
    .where('interaction_uid', '=', uid)
    .execute();
}

export async function deleteStep(db: Db, uid: string): Promise<void> {
  await db.deleteFrom('sign_in_steps').where('interaction_uid', '=', uid).execute();
}

export const amrOf = (step: SignInStep) => step.amr.split(' ').filter(Boolean);
