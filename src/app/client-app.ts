// Composition root of the friendly client: resolves the gateway, binds the fixed local UDP port, makes the endpoint.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type Result, ok, err, systemClock, cryptoRandom } from '../base/index.js';
import { formatAddress, type ClientConnection, type GatewayAddress } from '../client/index.js';
import { createEndpoint, type Timing } from '../engine/index.js';
import { bindUdp } from '../transport/index.js';

export interface OpenClientOptions {
  readonly gateway: GatewayAddress;
  /** The session's fixed local port; 0 lets the OS choose (a first login). */
  readonly localPort: number;
  /** Local address to bind; default 127.0.0.1 / ::1 for a loopback gateway, else the wildcard of its family. */
  readonly bindHost?: string;
  readonly timing?: Partial<Timing>;
}

export interface OpenClient extends ClientConnection {
  /** The bound address and port (the port the session is bound to). */
  readonly bindHost: string;
  readonly localPort: number;
  /** How the gateway sees us, for messages: "127.0.0.1:40000" (or "port 40000" on a wildcard bind). */
  readonly localLabel: string;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

function defaultBindHost(gatewayAddress: string): string {
  const v6 = isIP(gatewayAddress) === 6;
  if (isLoopback(gatewayAddress)) return v6 ? '::1' : '127.0.0.1';
  return v6 ? '::' : '0.0.0.0';
}

/** Resolves the gateway name (IP literals pass through) with the system resolver. */
async function resolveGateway(host: string): Promise<Result<string, string>> {
  if (isIP(host) !== 0) return ok(host);
  try {
    return ok((await lookup(host)).address);
  } catch (e) {
    return err(`cannot resolve the gateway host "${host}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Opens the client's UDP endpoint; errors (unresolvable gateway, port in use) are sentences for the user. */
export async function openClient(options: OpenClientOptions): Promise<Result<OpenClient, string>> {
  const address = await resolveGateway(options.gateway.host);
  if (!address.ok) return address;
  const bindHost = options.bindHost ?? defaultBindHost(address.value);
  let transport;
  try {
    transport = await bindUdp({ host: bindHost, port: options.localPort });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      return err(
        `local UDP port ${options.localPort} is in use — is another coap-gateway command (observe?) still running? ` +
          'Stop it, or log in again with another --port',
      );
    }
    return err(`cannot bind ${formatAddress({ host: bindHost, port: options.localPort })}: ${code ?? (e as Error).message}`);
  }
  const endpoint = createEndpoint({
    transport,
    clock: systemClock,
    random: cryptoRandom,
    ...(options.timing === undefined ? {} : { timing: options.timing }),
  });
  const localPort = transport.local.port;
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
  return ok({
    endpoint,
    gateway: { address: address.value, port: options.gateway.port },
    gatewayLabel: formatAddress(options.gateway),
    clock: systemClock,
    bindHost,
    localPort,
    localLabel: wildcard ? `port ${localPort}` : formatAddress({ host: bindHost, port: localPort }),
    close: () => endpoint.close(),
  });
}
