import { describe, expect, it } from 'vitest';
import { legacyScheme, verifyLegacyHash } from '../../src/identity/legacy/hashes.js';

/*
 * Known-answer vectors for the legacy hash formats, each made by a reference
 * implementation for the password below: Apache htpasswd (bcrypt $2y$), glibc/libxcrypt
 * crypt(3) through Python (bcrypt $2a$, $2b$, SHA-512-crypt with rounds), OpenSSL
 * `passwd -6` (SHA-512-crypt), the argon2 reference CLI (argon2id, argon2i), and Python's
 * hashlib.pbkdf2_hmac written in passlib, PHC and Django forms.
 */
const PASSWORD = 'Legacy#Pass 1';
const VECTORS: Array<[string, string]> = [
  ['bcrypt $2y$ (htpasswd)', '$2y$06$vIIRyrDZrcIXNzTgc/IROe.16kfmewEAQ88mauQHF.Pti3LW3qld2'],
  ['bcrypt $2a$ (libxcrypt)', '$2a$05$ABCDEFGHIJKLMNOPQRSTUuSXPyrneKt/2kf4S3pO8gv87ipIrfe6.'],
  ['bcrypt $2b$ (libxcrypt)', '$2b$05$abcdefghijklmnopqrstuuOo5o6Q4YeEafNWQLkzT7bcERgFiGKli'],
  ['SHA-512-crypt (openssl passwd -6)', '$6$Xy7salt01$33JZJsL1X5kHijVLfKeF70eyc2PAKuFU.sSb4qtlyEzWxMD./NNbGiCbFpk2eFu7o/76PJh0uhDnATbP7ZL00.'],
  ['SHA-512-crypt rounds=10000 (glibc)', '$6$rounds=10000$saltySalt$INa6WaK.D0YCN9GLDSwgZcPsfFfTZMzDHJBAGAP2DACM1zx3hcbecUJ6aVH4z8U1X3PAJLF.QR0kOCZAdrPgy0'],
  ['argon2id (argon2 CLI)', '$argon2id$v=19$m=4096,t=2,p=1$U2FsdFNhbHRTYWx0MTZi$MNdVgtaRACnK5noThsmssFB3lJ5WyN+aMgsXI/bbuJA'],
  ['argon2i (argon2 CLI)', '$argon2i$v=19$m=4096,t=3,p=1$U2FsdFNhbHRTYWx0MTZi$ipLOnCtOVXwP46Re1BxD/QVBQ8VN3gYm/I8g0i+KTrw'],
  ['PBKDF2-SHA256 passlib', '$pbkdf2-sha256$29000$UzRsdFM0bHRTNGx0$cdTjmtC80LJvRnSyuqZze2SBineFv6U7fhGph3anlhE'],
  ['PBKDF2-SHA256 PHC', '$pbkdf2-sha256$i=29000$UzRsdFM0bHRTNGx0$cdTjmtC80LJvRnSyuqZze2SBineFv6U7fhGph3anlhE'],
  ['PBKDF2-SHA512 passlib', '$pbkdf2-sha512$25000$UzRsdFM0bHRTNGx0$3kmbAZc20MGyhLy681Pk3mszmsu/MH/fMR22vdQ2Q0hlFOtKH73jo6figwk85B8ReQWfAaZOOCa.oxu1fhftcg'],
  ['PBKDF2-SHA512 PHC', '$pbkdf2-sha512$i=25000$UzRsdFM0bHRTNGx0$3kmbAZc20MGyhLy681Pk3mszmsu/MH/fMR22vdQ2Q0hlFOtKH73jo6figwk85B8ReQWfAaZOOCa+oxu1fhftcg'],
  ['PBKDF2-SHA256 Django', 'pbkdf2_sha256$260000$DjangoSaltText$jvFdiSf3MYY38tJ33UKmdayGoZtc9BfuwqR+5yeyM6A='],
  ['PBKDF2-SHA512 Django form', 'pbkdf2_sha512$120000$DjangoSaltText$4fUKmaXUTnp0+FoKRh1Z+I5YhYDOHXuRx5l5UF+ldlo2OmnGqu46HZDhCX6lOXrVcu+teMS/uacTszgEDfYHlQ=='],
];

describe('legacy password hashes (known-answer vectors)', () => {
  it.each(VECTORS)('%s: the right password matches, a wrong one does not', async (_name, hash) => {
    expect(legacyScheme(hash)).toBeDefined();
    await expect(verifyLegacyHash(hash, PASSWORD)).resolves.toBe(true);
    await expect(verifyLegacyHash(hash, 'Legacy#Pass 2')).resolves.toBe(false);
    await expect(verifyLegacyHash(hash, '')).resolves.toBe(false);
  });

  it('never matches a hash of unknown shape or a damaged one', async () => {
    for (const hash of ['', 'plaintext', '$1$md5salt$abcdefghijklmnopqrstuv', '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', '$2y$06$tooShort', '$pbkdf2-sha256$0$UzRs$cdTj']) {
      await expect(verifyLegacyHash(hash, PASSWORD)).resolves.toBe(false);
    }
  });
});
