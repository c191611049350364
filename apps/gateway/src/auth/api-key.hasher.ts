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
