import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * API keys look like `cx_<keyId>_<secret>`. The key id finds the row; the secret is stored only as a scrypt hash
 * (memory-hard, in Node's standard library, so no native addon to build), and is shown once when issued.
 */
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

const KEY_PATTERN = /^cx_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function parseApiKey(presented: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

export function generateApiKey(): { keyId: string; secret: string; plaintext: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, plaintext: `cx_${keyId}_${secret}` };
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(
    secret,
    salt,
    { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 },
    SCRYPT.keylen,
  );
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scrypt(
    secret,
    Buffer.from(saltB64, 'base64'),
    { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 },
    expected.length,
  );
  return timingSafeEqual(actual, expected);
}

/**
 * A stored hash no presented secret is checked against for real: verifying an unknown key id against it costs the
 * same scrypt work as verifying a known id with a wrong secret, so the time of a refusal does not tell an attacker
 * whether a key id exists. Random salt and digest with the production parameters, made without running scrypt.
 */
const DUMMY_HASH = [
  'scrypt',
  SCRYPT.N,
  SCRYPT.r,
  SCRYPT.p,
  randomBytes(16).toString('base64'),
  randomBytes(SCRYPT.keylen).toString('base64'),
].join('$');

/** Does the work of one verification and answers nothing: for a key id that does not exist. */
export async function verifyAgainstDummy(secret: string): Promise<void> {
  await verifySecret(secret, DUMMY_HASH);
}
