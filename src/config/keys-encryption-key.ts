import { ConfigError } from './errors.js';

/** 32 bytes written as 64 hex digits or as base64 / base64url (43 or 44 characters). */
export function parseKey(text: string, name: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64url');
  if (bytes.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed))) {
    throw new ConfigError(`${name}: must be 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)`);
  }
  return bytes;
}
