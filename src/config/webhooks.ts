import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events.js';

/**
 * A portal's endpoint for events (README "Events to portals"). The signing secret is always
 * named by an environment variable: written into the file it would end up in images and
 * repositories, which production refuses for client secrets too.
 */
export const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name'),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1),
  })
  .strict();

export const webhooksSchema = z
  .array(webhookSchema)
  .max(10)
  .superRefine((hooks, ctx) => {
    const seen = new Set<string>();
    hooks.forEach((hook, index) => {
      if (seen.has(hook.url)) ctx.addIssue({ code: 'custom', path: [index, 'url'], message: 'given twice' });
      seen.add(hook.url);
    });
  });

export interface WebhookSettings {
  url: string;
  secretEnv: string;
  events: WebhookEventType[];
  /** Read by resolveClientSecrets; only the server and `clients check` have it. */
  secret?: string;
}

export function webhookSettings(hooks: z.infer<typeof webhooksSchema>): WebhookSettings[] {
  return hooks.map((hook) => ({ url: hook.url, secretEnv: hook.secret_env, events: [...new Set(hook.events)] }));
}

/** The field a webhook's secret is named in, for one-line errors and the secrets map. */
export function webhookSecretField(index: number): `webhooks[${number}].secret_env` {
  return `webhooks[${index}].secret_env`;
}

/** Production's rule for redirect URIs holds for webhooks too: events must not cross the network in clear. */
export function webhookProductionProblem(hooks: readonly WebhookSettings[]): string | undefined {
  const index = hooks.findIndex((hook) => hook.url.toLowerCase().startsWith('http:'));
  return index < 0 ? undefined : `webhooks[${index}].url: ${hooks[index]!.url}: a webhook needs https when NODE_ENV=production`;
}
