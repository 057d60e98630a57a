import { newToken, tokenDigest } from "../adapters/auth/password.ts";
import { isRole } from "../domain/roles.ts";
import type { SignedIn, SignInDeps, SignInSettings } from "./sign-in.ts";

// The board's sessions once signed in: started (signing in, or a changed password renewing the
// browser's own), resolved on every request, ended by 退出. The cookie carries a random token;
// the database keeps only its SHA-256.

/** A new session for `user` from `address`: its cookie value and when it ends. */
export async function startSession(
  deps: Pick<SignInDeps, "repos" | "clock">,
  settings: Pick<SignInSettings, "sessionHours">,
  user: SignedIn,
  address: string,
): Promise<{ token: string; expiresAt: Date }> {
  const now = deps.clock.now();
  const token = newToken();
  const expiresAt = new Date(now.getTime() + settings.sessionHours * 3600_000);
  await deps.repos.accounts.createSession({
    id_hash: tokenDigest(token),
    user_name: user.name,
    created_at: now.toISOString(),
    seen_at: now.toISOString(),
    expires_at: expiresAt.toISOString(),
    address,
  });
  return { token, expiresAt };
}

/** The signed-in person for a session cookie's value, or null (and the session ends) when it is over. */
export async function resolveSession(
  deps: Pick<SignInDeps, "repos" | "clock">,
  settings: SignInSettings,
  token: string,
): Promise<SignedIn | null> {
  const { accounts } = deps.repos;
  const idHash = tokenDigest(token);
  const session = await accounts.findSession(idHash);
  if (!session) return null;
  const now = deps.clock.now();
  const idleEnd = new Date(session.seen_at).getTime() + settings.sessionIdleMinutes * 60_000;
  const user = await userOf(deps, settings, session.user_name);
  if (!user || new Date(session.expires_at) <= now || idleEnd <= now.getTime()) {
    await accounts.deleteSession(idHash);
    return null;
  }
  // Written at most once a minute: reading a page should not cost a write every time.
  if (now.getTime() - new Date(session.seen_at).getTime() > 60_000) await accounts.touchSession(idHash, now);
  return user;
}

async function userOf(
  deps: Pick<SignInDeps, "repos">,
  settings: SignInSettings,
  name: string,
): Promise<SignedIn | null> {
  const row = await deps.repos.accounts.findUser(name);
  if (row)
    return row.disabled === 0 && isRole(row.role)
      ? { name: row.name, role: row.role, bootstrap: false }
      : null;
  const bootstrap = settings.bootstrap;
  return bootstrap?.user && bootstrap.pass && bootstrap.user.normalize("NFC").trim() === name
    ? { name, role: "admin", bootstrap: true }
    : null;
}

export async function signOut(deps: Pick<SignInDeps, "repos">, token: string): Promise<void> {
  await deps.repos.accounts.deleteSession(tokenDigest(token));
}
