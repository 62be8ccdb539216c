import { interactionPolicy } from 'oidc-provider';

/**
 * The interaction pipeline of design.md: `login`, then Portico's custom prompts (added by the
 * flows that need them), then `consent`. oidc-provider's base policy supplies login and consent.
 */
export function buildInteractionPolicy() {
  return interactionPolicy.base();
}
