// The token service's HTTP surface on fastify: POST /oauth/token, GET /.well-known/jwks.json, /healthz.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import type { FormParams } from './client-credentials.js';
import { oauthError, type HttpReply } from './oauth-error.js';
import type { SigningKeys } from './signing-keys.js';
import type { TokenRequest } from './token-endpoint.js';

export interface TokenServiceAppDeps {
  readonly tokenEndpoint: (request: TokenRequest) => Promise<HttpReply>;
  readonly keys: SigningKeys;
  /** Take the client address from X-Forwarded-For (only behind a trusted reverse proxy). */
  readonly trustProxy?: boolean;
}

const BODY_LIMIT_BYTES = 16 * 1024;

/** Keeps every value of a repeated name, so the endpoint can refuse repeats (RFC 6749 §3.2). */
function parseForm(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of new URLSearchParams(text)) (out[name] ??= []).push(value);
  return out;
}

function send(reply: FastifyReply, answer: HttpReply): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

export function buildTokenServiceApp(deps: TokenServiceAppDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, trustProxy: deps.trustProxy ?? false });
  void app.register(formbody, { parser: parseForm, bodyLimit: BODY_LIMIT_BYTES });

  // No stack trace or internal message ever reaches a client.
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    return send(reply, status < 500 ? oauthError('invalid_request', 'malformed request') : oauthError('server_error', 'internal error'));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));

  app.post('/oauth/token', async (request, reply) => {
    const body = request.body;
    const form = typeof body === 'object' && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body) ? (body as FormParams) : undefined;
    const authorization = request.headers.authorization;
    const answer = await deps.tokenEndpoint({
      authorization,
      contentType: request.headers['content-type'],
      form: form !== undefined && Object.values(form).every(Array.isArray) ? form : undefined,
      address: request.ip,
    });
    return send(reply, answer);
  });
  // RFC 6749 §3.2: the client MUST use POST.
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/oauth/token',
    handler: (_request, reply) => send(reply, { ...oauthError('invalid_request', 'use POST', { allow: 'POST' }), status: 405 }),
  });

  app.get('/.well-known/jwks.json', (_request, reply) =>
    // Short caching: verifiers also refetch on an unknown kid, so a rotation shows up at once.
    reply.header('cache-control', 'public, max-age=60').send(deps.keys.jwks()),
  );
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  return app;
}
