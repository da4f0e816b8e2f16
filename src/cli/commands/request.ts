// `coap-gateway get|put|post|delete <target>`: one request through the gateway, block-wise, printed readably.
import type { Command } from 'commander';
import { Code, codeClass, type Message } from '../../coap/index.js';
import {
  ExitCode, describeRequest, exitCodeFor, explainResponse, formatResponse, parseBlockSize, parseContentFormat, parseTarget, progressLine,
  responseJson, type RequestSpec, type RequestTarget,
} from '../../client/index.js';
import {
  CommandFailure, EXIT_CODES_HELP, action, commonOptions, failureOf, loadContext, open, printJson, progressWriter, readInput, usage,
  type Client, type CommonFlags, type Context,
} from './client-common.js';

export interface RequestFlags extends CommonFlags {
  readonly payload?: string;
  readonly file?: string;
  readonly contentFormat?: string;
  readonly accept?: string;
  readonly non?: boolean;
  readonly blockSize?: string;
}

const DEVICE = 'SSN001350050005E7D6.starfish.test';

function examples(method: string): string {
  const lower = method.toLowerCase();
  const lines: Record<string, string[]> = {
    get: [
      `$ coap-gateway get ${DEVICE}/time`,
      `$ coap-gateway get coap://${DEVICE}:5683/gpio --accept json --json`,
      `$ coap-gateway get coap://SSN0013500500000001.starfish.test:4849/.well-known/core   (a milliNIC: port 4849)`,
      '$ coap-gateway get /help                        (a resource of the gateway itself)',
    ],
    put: [`$ coap-gateway put ${DEVICE}/gpio/3 --payload 1 --content-format text`, `$ coap-gateway put ${DEVICE}/firmware --file image.bin --content-format octet-stream`],
    post: [`$ coap-gateway post ${DEVICE}/echo --payload hello`, `$ cat reading.json | coap-gateway post ${DEVICE}/readings --file - --content-format json`],
    delete: [`$ coap-gateway delete ${DEVICE}/gpio/3`],
  };
  return `
Examples:
  ${(lines[lower] ?? []).join('\n  ')}

A target is a device name (scheme coap assumed), a full coap://host[:port]/path?query URI, or a path
starting with "/" for the gateway's own resources. Bodies over one block (--block-size, default 1024 bytes)
are sent with Block1; large answers are fetched with Block2 (RFC 7959), with progress on a terminal.
${EXIT_CODES_HELP}`;
}

/** Turns flags and the target argument into a RequestSpec; usage errors exit 2. */
export async function buildSpec(method: number, targetText: string, flags: RequestFlags, target?: RequestTarget): Promise<RequestSpec> {
  const parsed = target === undefined ? parseTarget(targetText) : { ok: true as const, value: target };
  if (!parsed.ok) throw usage(parsed.error);
  if (flags.payload !== undefined && flags.file !== undefined) throw usage('give either --payload or --file, not both');
  const payload = flags.file !== undefined ? await readInput(flags.file, 'the payload file') : Buffer.from(flags.payload ?? '', 'utf8');
  let contentFormat: number | undefined;
  if (flags.contentFormat !== undefined) {
    const f = parseContentFormat(flags.contentFormat);
    if (!f.ok) throw usage(f.error);
    contentFormat = f.value;
  }
  let accept: number | undefined;
  if (flags.accept !== undefined) {
    const f = parseContentFormat(flags.accept);
    if (!f.ok) throw usage(f.error);
    accept = f.value;
  }
  let blockSzx: number | undefined;
  if (flags.blockSize !== undefined) {
    const b = parseBlockSize(flags.blockSize);
    if (!b.ok) throw usage(b.error);
    blockSzx = b.value;
  }
  return {
    method,
    target: parsed.value,
    payload,
    nonConfirmable: flags.non === true,
    ...(contentFormat === undefined ? {} : { contentFormat }),
    ...(accept === undefined ? {} : { accept }),
    ...(blockSzx === undefined ? {} : { blockSzx }),
  };
}

/** Prints a response (stdout; explanation of an error on stderr) and returns its exit code. */
export function report(message: Message, spec: RequestSpec, client: Client, ctx: Context, extra: Record<string, unknown> = {}): number {
  const ok = codeClass(message.code) === 2;
  const explanation = ok ? undefined : explainResponse(message, { action: 'request', local: client.localLabel, gateway: client.gatewayLabel, target: spec.target.uri });
  if (ctx.json) {
    printJson(responseJson(message, { request: describeRequest(spec), ...extra, ...(explanation === undefined ? {} : { error: explanation }) }));
  } else if (ok) {
    process.stdout.write(`${formatResponse(message).text}\n`);
  } else {
    process.stderr.write(`coap-gateway: ${explanation as string}\n`);
  }
  return exitCodeFor(message.code);
}

/** Sends one spec through an open client, with progress on a TTY; returns the response. */
export async function send(spec: RequestSpec, client: Client, ctx: Context): Promise<Message> {
  const progress = progressWriter(!ctx.json);
  let result;
  try {
    result = await client.request(spec, { timeoutMs: ctx.timeoutMs, onProgress: (p) => progress.update(progressLine(p)) });
  } catch (e) {
    throw failureOf(e, ctx, client.gatewayLabel);
  } finally {
    progress.done();
  }
  if (!result.ok) throw new CommandFailure(`${describeRequest(spec)}: ${result.error}`, ExitCode.FAILURE);
  return result.value;
}

/** Sends one spec and prints the response; returns the exit code. */
export async function run(spec: RequestSpec, client: Client, ctx: Context): Promise<number> {
  return report(await send(spec, client, ctx), spec, client, ctx);
}

async function request(method: number, targetText: string, flags: RequestFlags): Promise<number> {
  const ctx = await loadContext(flags);
  const spec = await buildSpec(method, targetText, flags);
  const client = await open(ctx);
  try {
    return await run(spec, client, ctx);
  } finally {
    await client.close();
  }
}

/** Payload and format flags shared by the request commands (and observe/discover where they apply). */
export function requestOptionFlags(command: Command, withBody: boolean): Command {
  if (withBody) {
    command
      .option('--payload <text>', 'request body as UTF-8 text')
      .option('-f, --file <file>', 'request body from a file ("-" = stdin)')
      .option('-c, --content-format <format>', 'Content-Format of the body: a number or a name (text, json, cbor, link-format, octet-stream...)');
  }
  return command
    .option('-A, --accept <format>', 'Accept: the Content-Format wanted in the answer')
    .option('--non', 'send as a non-confirmable (NON) message')
    .option('-b, --block-size <bytes>', 'block size for block-wise transfers: 16..1024');
}

export function registerRequests(program: Command): void {
  const methods: ReadonlyArray<readonly [string, number, boolean, string]> = [
    ['get', Code.GET, false, 'read a resource of a device (or of the gateway: a path starting with "/")'],
    ['put', Code.PUT, true, 'update a resource of a device'],
    ['post', Code.POST, true, 'post to a resource of a device'],
    ['delete', Code.DELETE, false, 'delete a resource of a device'],
  ];
  for (const [name, code, withBody, description] of methods) {
    const command = program.command(name).argument('<target>', 'device name with path, coap:// URI, or /path of the gateway').description(description);
    requestOptionFlags(command, withBody);
    commonOptions(command, 90)
      .addHelpText('after', examples(name))
      .action(action((target: string, flags: RequestFlags) => request(code, target, flags)));
  }
}
