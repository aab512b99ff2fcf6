/**
 * Sessions of the test server: login by password, key-pair JWT or OAuth token, session and master
 * tokens with lifetimes (so token renewal can be exercised), and logout. Snowflake's GS codes are
 * used for every refusal so the SDK reacts as it does against the service.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { jwtProblem, toPublicKey } from './jwt.ts';

/** How a user may log in; any combination. */
export interface SnowflakeUser {
  readonly password?: string;
  /** PEM (or KeyObject) of the RSA public key registered as the user's RSA_PUBLIC_KEY. */
  readonly publicKey?: string | KeyObject;
  /** OAuth access tokens accepted for this user. */
  readonly oauthTokens?: readonly string[];
}

export interface Session {
  readonly id: number;
  readonly user: string;
  readonly authenticator: string;
  readonly database: string;
  readonly schema: string;
  readonly warehouse: string;
  readonly role: string;
  token: string;
  readonly masterToken: string;
  tokenExpiresAt: number;
  readonly masterExpiresAt: number;
  closed: boolean;
}

/** GS error codes the SDK branches on. */
export const GS = {
  badCredentials: '390100',
  sessionTokenInvalid: '390104',
  goneSession: '390111',
  sessionTokenExpired: '390112',
  masterTokenExpired: '390114',
  jwtInvalid: '390144',
  oauthInvalid: '390303',
} as const;

export class LoginRefused extends Error {
  readonly gsCode: string;
  constructor(gsCode: string, message: string) {
    super(message);
    this.gsCode = gsCode;
  }
}

export interface LoginRequest {
  readonly account: string;
  readonly user: string;
  readonly authenticator: string;
  readonly password?: string;
  readonly token?: string;
  readonly database: string;
  readonly schema: string;
  readonly warehouse: string;
  readonly role: string;
}

export class Sessions {
  readonly #users: ReadonlyMap<string, SnowflakeUser> | undefined;
  readonly #account: string;
  readonly #sessionTtlMs: number;
  readonly #byToken = new Map<string, Session>();
  readonly #byMaster = new Map<string, Session>();
  #nextId = 1;
  logins = 0;

  /** `users` undefined: any user logs in with any password (a quick local server). */
  constructor(account: string, users: Readonly<Record<string, SnowflakeUser>> | undefined, sessionTtlMs: number) {
    this.#account = account;
    this.#users = users === undefined ? undefined : new Map(Object.entries(users).map(([name, u]) => [name.toUpperCase(), u]));
    this.#sessionTtlMs = sessionTtlMs;
  }

  login(request: LoginRequest, now: number): Session {
    this.#authenticate(request, now);
    const session: Session = {
      id: this.#nextId++,
      user: request.user.toUpperCase(),
      authenticator: request.authenticator,
      database: request.database,
      schema: request.schema,
      warehouse: request.warehouse,
      role: request.role,
      token: newToken('ST'),
      masterToken: newToken('MT'),
      tokenExpiresAt: now + this.#sessionTtlMs,
      masterExpiresAt: now + 4 * 3600_000,
      closed: false,
    };
    this.logins++;
    this.#byToken.set(session.token, session);
    this.#byMaster.set(session.masterToken, session);
    return session;
  }

  /** The session an `Authorization: Snowflake Token="…"` header names, or the GS code refusing it. */
  authorize(header: string | undefined, now: number): Session | string {
    const token = tokenOf(header);
    const session = token === undefined ? undefined : this.#byToken.get(token);
    if (session === undefined) return GS.sessionTokenInvalid;
    if (session.closed) return GS.goneSession;
    if (session.tokenExpiresAt <= now) return GS.sessionTokenExpired;
    return session;
  }

  /** `/session/token-request` with the master token: a fresh session token for the same session. */
  renew(header: string | undefined, oldSessionToken: unknown, now: number): Session | string {
    const token = tokenOf(header);
    const session = token === undefined ? undefined : this.#byMaster.get(token);
    if (session === undefined || session.closed) return GS.sessionTokenInvalid;
    if (session.masterExpiresAt <= now) return GS.masterTokenExpired;
    if (oldSessionToken !== session.token) return GS.sessionTokenInvalid;
    this.#byToken.delete(session.token);
    session.token = newToken('ST');
    session.tokenExpiresAt = now + this.#sessionTtlMs;
    this.#byToken.set(session.token, session);
    return session;
  }

  close(session: Session): void {
    session.closed = true;
  }

  /** Makes every open session token expire now, as after a long idle period. */
  expireAll(now: number): void {
    for (const session of this.#byToken.values()) session.tokenExpiresAt = now;
  }

  get ttlMs(): number {
    return this.#sessionTtlMs;
  }

  #authenticate(request: LoginRequest, now: number): void {
    if (request.account.toUpperCase() !== this.#account.toUpperCase()) {
      throw new LoginRefused(
        GS.badCredentials,
        `Incorrect username or password was specified. (account '${request.account}' is not '${this.#account}')`,
      );
    }
    if (this.#users === undefined) return;
    const user = this.#users.get(request.user.toUpperCase());
    switch (request.authenticator.toUpperCase()) {
      case 'SNOWFLAKE_JWT': {
        if (user?.publicKey === undefined)
          throw new LoginRefused(GS.jwtInvalid, 'JWT token is invalid. (no public key is registered for the user)');
        const problem = jwtProblem(request.token ?? '', request.account, request.user, toPublicKey(user.publicKey), now);
        if (problem !== undefined) throw new LoginRefused(GS.jwtInvalid, `JWT token is invalid. (the token ${problem})`);
        return;
      }
      case 'OAUTH':
        if (request.token === undefined || !(user?.oauthTokens ?? []).includes(request.token))
          throw new LoginRefused(GS.oauthInvalid, 'Invalid OAuth access token.');
        return;
      default:
        if (user?.password === undefined || user.password !== request.password)
          throw new LoginRefused(GS.badCredentials, 'Incorrect username or password was specified.');
    }
  }
}

function newToken(prefix: string): string {
  return `${prefix}:${randomBytes(18).toString('base64url')}`;
}

function tokenOf(header: string | undefined): string | undefined {
  return /^Snowflake Token="([^"]*)"$/.exec(header ?? '')?.[1];
}
