import type { Context } from 'koa';
import { newDeviceToken } from '../../identity/trusted-devices.js';
import type { FlowDeps } from '../deps.js';
import { hostCookie } from '../../web/cookies.js';

/**
 * "Remember this device": one random token per browser, HttpOnly, Secure behind TLS, kept as
 * long as the policy remembers devices. A browser that refuses cookies never presents it, so
 * it simply gets the second step again.
 */
const deviceCookie = hostCookie('portico_device');

export function readDeviceToken(ctx: Context): string | undefined {
  const value = deviceCookie.get(ctx);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

/** The browser's token, set (or renewed) for the policy's lifetime. */
export function ensureDeviceToken(ctx: Context, deps: FlowDeps): string {
  const token = readDeviceToken(ctx) ?? newDeviceToken();
  deviceCookie.set(ctx, token, deps.config.policy.second_step.trusted_device_days * 86_400_000);
  return token;
}
