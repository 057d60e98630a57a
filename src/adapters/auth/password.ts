import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// Passwords are stored as "scrypt$N$r$p$salt$hash" (salt and hash in base64), so each account
// keeps the cost it was hashed with and the cost can be raised later without a migration.
// scrypt from node:crypto: no native add-on to build, and memory-hard like argon2.

/** scrypt's cost parameters; each stored hash carries the ones it was made with. */
export interface PasswordCost {
  N: number;
  r: number;
  p: number;
}

/**
 * N=2^15, r=8, p=3: one of OWASP's equivalent scrypt settings, 32 MiB per check instead of the
 * 128 MiB of N=2^17 (a small office server signs in several people at once). Production always
 * hashes with this; only tests pass a lower cost (a hash says its own cost, so checking works
 * either way).
 */
export const productionPasswordCost: PasswordCost = { N: 2 ** 15, r: 8, p: 3 };
const keyLength = 32;

function derive(password: string, salt: Buffer, params: PasswordCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r bytes or scrypt refuses.
    scrypt(
      password.normalize("NFC"),
      salt,
      keyLength,
      { ...params, maxmem: 256 * params.N * params.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function hashPassword(
  password: string,
  cost: PasswordCost = productionPasswordCost,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return ["scrypt", cost.N, cost.r, cost.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/** Whether password matches the stored hash; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await derive(password, Buffer.from(salt, "base64"), params);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A hash no password matches, checked for unknown names so they take as long as known ones. */
export function unusableHash(cost: PasswordCost = productionPasswordCost): string {
  const cached = unusable.get(cost);
  if (cached) return cached;
  const hash = `scrypt$${cost.N}$${cost.r}$${cost.p}$${randomBytes(16).toString("base64")}$${randomBytes(keyLength).toString("base64")}`;
  unusable.set(cost, hash);
  return hash;
}
const unusable = new WeakMap<PasswordCost, string>();

/** Compares two secrets in constant time whatever their lengths (the bootstrap WEB_PASS). */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s.normalize("NFC")).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** A new random token (session ids): 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What the database keeps of a token: its SHA-256, so a copy of the database holds no live token. */
export function tokenDigest(token: string, purpose = "session"): string {
  return createHash("sha256").update(`${purpose}\0${token}`).digest("base64url");
}
