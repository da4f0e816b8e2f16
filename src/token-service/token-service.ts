// Assembles the token service (accounts, keys, issuer, endpoint, HTTP app) and, for the CLI and app/,
// starts it on a port and prints nothing: the caller reports the URL.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { type Clock, type Random, type Result, ok, err, systemClock, cryptoRandom } from '../base/index.js';
import { silentLogger, type Logger } from '../telemetry/index.js';
import { DEFAULT_TOKEN_LIFETIME_SEC, parseAccountsText, type Account } from './accounts.js';
import { buildTokenServiceApp } from './http-app.js';
import { DEFAULT_SCRYPT_COST, hashSecret, parseStoredSecret, type StoredSecret } from './secret-hash.js';
import { openSigningKeys, type SigningAlgorithm } from './signing-keys.js';
import { DEFAULT_TOKEN_RATE_LIMITS, createTokenEndpoint, type TokenRateLimits } from './token-endpoint.js';
import { createTokenIssuer, type IssuedToken } from './token-issuer.js';

export interface TokenServiceOptions {
  readonly accounts: readonly Account[];
  /** Where the signing keys live (created 0700, key file 0600); without it keys are in memory only. */
  readonly dataDir?: string;
  /** `iss` of the tokens; default: the bound URL (startTokenService), else `urn:coap-gateway:token-service`. */
  readonly issuer?: string;
  /** `aud` of the tokens: the gateway; default `coap-gateway`. */
  readonly audience?: string;
  /** Default EdDSA (Ed25519). */
  readonly algorithm?: SigningAlgorithm;
  /** Start a new signing key when the current one is this old; default 30 days. */
  readonly keyRotationSec?: number;
  readonly rateLimits?: Partial<TokenRateLimits>;
  readonly trustProxy?: boolean;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
}

export interface TokenService {
  /** The fastify app (use `inject()` in tests, or `listen`). */
  readonly app: FastifyInstance;
  readonly issuer: string;
  readonly audience: string;
  /** The published public keys (what GET /.well-known/jwks.json answers). */
  jwks(): JSONWebKeySet;
  /** Starts a new signing key now; returns its kid. */
  rotateKey(): Promise<string>;
  /** Issues a token for an account without its secret (for the demo and for tests). */
  issueToken(clientId: string): Promise<Result<IssuedToken, string>>;
  close(): Promise<void>;
}

export interface RunningTokenService extends TokenService {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
}

export const DEFAULT_AUDIENCE = 'coap-gateway';
const DEFAULT_ISSUER = 'urn:coap-gateway:token-service';
const DEFAULT_KEY_ROTATION_SEC = 30 * 86_400;
// Retired keys stay published for the longest token lifetime plus this margin for clock skew.
const RETIRED_KEY_MARGIN_MS = 5 * 60_000;

async function dummySecret(accounts: readonly Account[], random: Random): Promise<StoredSecret> {
  const sample = accounts.find((a) => a.secret.kind === 'scrypt')?.secret;
  const cost = sample?.kind === 'scrypt' ? sample.cost : DEFAULT_SCRYPT_COST;
  const parsed = parseStoredSecret(await hashSecret(random.bytes(16).toString('hex'), random, cost));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

async function assemble(options: TokenServiceOptions, issuer: () => string): Promise<Omit<TokenService, 'issuer'>> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const logger = options.logger ?? silentLogger;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const accounts = new Map(options.accounts.map((a) => [a.clientId, a]));
  const longestLifetimeSec = Math.max(DEFAULT_TOKEN_LIFETIME_SEC, ...options.accounts.map((a) => a.tokenLifetimeSec));
  const keys = await openSigningKeys({
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    algorithm: options.algorithm ?? 'EdDSA',
    clock,
    retainRetiredMs: longestLifetimeSec * 1000 + RETIRED_KEY_MARGIN_MS,
    rotateAfterMs: (options.keyRotationSec ?? DEFAULT_KEY_ROTATION_SEC) * 1000,
  });
  const tokenIssuer = createTokenIssuer({ keys, issuer, audience, clock, random });
  const tokenEndpoint = createTokenEndpoint({
    accounts,
    issuer: tokenIssuer,
    limits: { ...DEFAULT_TOKEN_RATE_LIMITS, ...options.rateLimits },
    clock,
    logger,
    dummySecret: await dummySecret(options.accounts, random),
  });
  const app = buildTokenServiceApp({ tokenEndpoint, keys, ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}) });
  return {
    app,
    audience,
    jwks: () => keys.jwks(),
    rotateKey: async () => (await keys.rotate()).kid,
    issueToken: async (clientId) => {
      const account = accounts.get(clientId);
      return account === undefined ? err(`unknown client id ${clientId}`) : ok(await tokenIssuer.issue(account));
    },
    close: () => app.close(),
  };
}

/** Builds the service without listening (tests use `app.inject()`; app/ may mount or listen). */
export async function createTokenService(options: TokenServiceOptions): Promise<TokenService> {
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const service = await assemble(options, () => issuer);
  await service.app.ready();
  return { ...service, issuer };
}

/** Reads and validates an accounts file; every problem is listed with its field path. */
export async function loadAccountsFile(path: string): Promise<Result<Account[], string[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return err([`cannot read accounts file ${path}: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const parsed = parseAccountsText(text);
  return parsed.ok ? parsed : err(parsed.error.map((line) => `${path}: ${line}`));
}

const hostForUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** Creates the service and listens (port 0 = a free port); the issuer defaults to the bound URL. */
export async function startTokenService(options: TokenServiceOptions & { host?: string; port?: number }): Promise<RunningTokenService> {
  let issuer = options.issuer ?? DEFAULT_ISSUER;
  const service = await assemble(options, () => issuer);
  await service.app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = service.app.server.address() as AddressInfo;
  const url = `http://${hostForUrl(address.address)}:${address.port}`;
  issuer = options.issuer ?? url;
  return { ...service, issuer, url, tokenUrl: `${url}/oauth/token`, jwksUrl: `${url}/.well-known/jwks.json` };
}
