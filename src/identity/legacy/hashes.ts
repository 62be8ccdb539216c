import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { verify as verifyShaCrypt } from 'unixcrypt';

/*
 * Password hashes imported from legacy systems, each checked by a maintained
 * implementation: bcryptjs for bcrypt, unixcrypt for SHA-512-crypt, argon2 for argon2, and
 * Node's crypto for PBKDF2. Hashes of unknown shape never match.
 */

const pbkdf2Async = promisify(pbkdf2);

export type LegacyScheme = 'bcrypt' | 'pbkdf2' | 'argon2' | 'sha512crypt';

export function legacyScheme(hash: string): LegacyScheme | undefined {
  if (/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\$argon2(id|i|d)\$/.test(hash)) return 'argon2';
  if (/^\$6\$/.test(hash)) return 'sha512crypt';
  if (parsePbkdf2(hash)) return 'pbkdf2';
  return undefined;
}

interface Pbkdf2Hash {
  digest: 'sha256' | 'sha512';
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

/** passlib/PHC "adapted base64" ('.' for '+', no padding) and standard base64 alike. */
const b64 = (text: string) => Buffer.from(text.replace(/\./g, '+'), 'base64');

/**
 * `$pbkdf2-sha256$29000$salt$hash` (passlib), `$pbkdf2-sha256$i=29000$salt$hash` (PHC), and
 * `pbkdf2_sha256$260000$salt$hash` (Django: the salt is text, the hash standard base64).
 */
function parsePbkdf2(hash: string): Pbkdf2Hash | undefined {
  const phc = /^\$pbkdf2-(sha256|sha512)\$(?:i=)?(\d{1,9})\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/.exec(hash);
  if (phc) return { digest: phc[1] as Pbkdf2Hash['digest'], iterations: Number(phc[2]), salt: b64(phc[3]!), hash: b64(phc[4]!) };
  const django = /^pbkdf2_(sha256|sha512)\$(\d{1,9})\$([^$]{1,200})\$([A-Za-z0-9+/]+={0,2})$/.exec(hash);
  if (django) return { digest: django[1] as Pbkdf2Hash['digest'], iterations: Number(django[2]), salt: Buffer.from(django[3]!, 'utf8'), hash: Buffer.from(django[4]!, 'base64') };
  return undefined;
}

async function verifyPbkdf2(hash: string, password: string): Promise<boolean> {
  const parsed = parsePbkdf2(hash)!;
  if (parsed.iterations < 1 || parsed.iterations > 10_000_000 || parsed.hash.length < 16) return false;
  const derived = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.hash.length, parsed.digest);
  return timingSafeEqual(derived, parsed.hash);
}

export async function verifyLegacyHash(hash: string, password: string): Promise<boolean> {
  try {
    switch (legacyScheme(hash)) {
      // $2y$ (PHP) is the same algorithm as $2b$; bcryptjs names only the latter.
      case 'bcrypt':
        return await bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$'));
      case 'argon2':
        return await argon2.verify(hash, password);
      case 'sha512crypt':
        return verifyShaCrypt(password, hash);
      case 'pbkdf2':
        return await verifyPbkdf2(hash, password);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
