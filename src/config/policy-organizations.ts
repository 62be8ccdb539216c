import { z } from 'zod';

/**
 * Organisations (identity/organizations): how long an invitation link lives, and caps on what
 * one person can make others receive. An administrator's invitations (sent and resent) and a
 * person's requests to register or join organisations are counted over the last 24 hours;
 * 0 turns a cap off.
 */
export const organizationsSchema = z
  .object({
    invitation_ttl_hours: z.number().min(0.01).max(24 * 30).default(72),
    invitations_per_admin_per_day: z.number().int().min(0).max(10_000).default(50),
    join_requests_per_account_per_day: z.number().int().min(0).max(1000).default(10),
  })
  .strict()
  .prefault({});

export type OrganizationsPolicy = z.infer<typeof organizationsSchema>;
