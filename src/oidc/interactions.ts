import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { ProviderHost } from './host.js';

/*
 * What the hosted pages (flows/) need from oidc-provider, as functions: pages never call its
 * API or see its errors (.dependency-cruiser.cjs, only-oidc-imports-oidc-provider). API:
 * oidc-provider docs/README.md "User flows" (interactionDetails, interactionResult, Grant).
 */

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The interaction the browser's cookie names, or undefined when there is none: no cookie, an
 * expired interaction (oidc-provider's SessionNotFound, docs/architecture.md, oidc-provider pitfalls), or one that is not
 * the `uid` in the page's path.
 */
export async function findInteraction(host: ProviderHost, req: IncomingMessage, res: ServerResponse, uid: string | undefined): Promise<InteractionDetails | undefined> {
  try {
    const details = await host.provider.interactionDetails(req, res);
    return uid && details.uid !== uid ? undefined : details;
  } catch (error) {
    if (error instanceof errors.SessionNotFound) return undefined;
    throw error;
  }
}

/**
 * Stores the result and returns the /auth resume URL: what Provider#interactionResult does
 * (lib/provider.js), on the interaction this request already loaded rather than a second read.
 * `merge` keeps the earlier login (oidc-provider's example does so for consent).
 */
export async function saveInteractionResult(interaction: InteractionDetails, result: Record<string, unknown>, merge: boolean): Promise<string> {
  interaction.result = merge && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}

/** What a consent adds to the account's grant for this portal (the prompt's missing* details). */
export interface ConsentNeed {
  scopes: string[];
  claims: string[];
  resources: Record<string, string[]>;
}

/** Adds the consented scopes and claims to the interaction's grant (a new one if none); its id. */
export async function saveConsentGrant(host: ProviderHost, details: InteractionDetails, need: ConsentNeed): Promise<string> {
  const { Grant } = host.provider;
  const existing = details.grantId ? await Grant.find(details.grantId) : undefined;
  const grant = existing ?? new Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
  if (need.scopes.length) grant.addOIDCScope(need.scopes.join(' '));
  if (need.claims.length) grant.addOIDCClaims(need.claims);
  for (const [indicator, scopes] of Object.entries(need.resources)) grant.addResourceScope(indicator, scopes.join(' '));
  return grant.save();
}

/** The fields of oidc-provider's AuthorizationCode the account pages check before redeeming it. */
export type AuthorizationCodeModel = {
  accountId?: string;
  authTime?: number;
  sessionUid?: string;
  clientId?: string;
  redirectUri?: string;
  codeChallenge?: string;
  /** The assurance level the sign-in states (statedAcr). */
  acr?: string;
  consumed?: unknown;
  isExpired?: boolean;
  consume(): Promise<void>;
};

/** An authorization code, read in-process (the account pages are a client of their own provider). */
export async function findAuthorizationCode(host: ProviderHost, code: string): Promise<AuthorizationCodeModel | undefined> {
  return (await host.provider.AuthorizationCode.find(code)) as AuthorizationCodeModel | undefined;
}

/**
 * The portal of a sign-in still under way, by its uid alone (no cookie needed): undefined once
 * the interaction expired or ended. Recovery uses it to send the person back to that sign-in.
 */
export async function liveInteractionClient(host: ProviderHost, uid: string): Promise<string | undefined> {
  const interaction = await host.provider.Interaction.find(uid);
  const clientId = interaction?.params?.client_id;
  return typeof clientId === 'string' ? clientId : undefined;
}
