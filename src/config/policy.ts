import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, describeIssue } from './errors.js';

/**
 * Account policy. Defaults match the portals Portico replaces (see shared/seeds) and the
 * OWASP Password Storage Cheat Sheet's argon2id minimum (m=19 MiB, t=2, p=1).
 */
const policySchema = z
  .object({
    password: z
      .object({
        min_length: z.number().int().min(8).default(8),
        max_length: z.number().int().max(1024).default(100),
        require_upper: z.boolean().default(true),
        require_lower: z.boolean().default(true),
        require_digit: z.boolean().default(true),
        forbidden_characters: z.string().default(' &'),
      })
      .strict()
      .prefault({}),
    argon2: z
      .object({
        memory_kib: z.number().int().min(8192).default(19456),
        time_cost: z.number().int().min(1).default(2),
        parallelism: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
    sessions: z
      .object({
        session_ttl_seconds: z.number().int().min(60).default(14 * 24 * 3600),
        access_token_ttl_seconds: z.number().int().min(60).default(3600),
        refresh_token_ttl_seconds: z.number().int().min(60).default(14 * 24 * 3600),
        id_token_ttl_seconds: z.number().int().min(60).default(3600),
        interaction_ttl_seconds: z.number().int().min(60).default(3600),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Policy = z.infer<typeof policySchema>;

export function parsePolicy(file: string, json: unknown): Policy {
  const result = policySchema.safeParse(json);
  if (!result.success) throw new ConfigError(`${file}: ${describeIssue(result.error.issues[0]!)}`);
  return result.data;
}

/** A missing policy file means the defaults; a present one must be valid. */
export function loadPolicy(file: string): Policy {
  if (!existsSync(file)) return parsePolicy(file, {});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parsePolicy(file, json);
}
