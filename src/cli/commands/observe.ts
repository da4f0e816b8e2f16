// `coap-gateway observe <target>`: stream notifications (RFC 7641) until Ctrl-C or --count, then deregister.
import type { Command } from 'commander';
import { systemClock, type TimerHandle } from '../../base/index.js';
import { Code, OptionNumber, codeClass, codeName, getUintOption, type Message } from '../../coap/index.js';
import {
  ExitCode, describeRequest, exitCodeFor, explainResponse, formatResponse, parsePositiveInt, responseJson, viewPayload,
} from '../../client/index.js';
import {
  CommandFailure, EXIT_CODES_HELP, action, commonOptions, failureOf, loadContext, open, printJson, usage, type Client, type Context,
} from './client-common.js';
import { buildSpec, requestOptionFlags, type RequestFlags } from './request.js';

interface ObserveFlags extends RequestFlags {
  readonly count?: string;
}

const EXAMPLES = `
Examples:
  $ coap-gateway observe SSN001350050005E7D6.starfish.test/time
  $ coap-gateway observe SSN001350050005E7D6.starfish.test/time --count 5 --json

Stops after --count notifications (the registration response counts as the first) or on Ctrl-C, and then
deregisters (GET with Observe 1). Notifications larger than one block are completed with Block2 GETs.
--timeout bounds the wait for the first response only.
${EXIT_CODES_HELP}`;

/** How long deregistration may take before the socket is closed anyway (a dead gateway must not hang Ctrl-C). */
const CANCEL_WAIT_MS = 5_000;

function printNotification(message: Message, seq: number, first: boolean, ctx: Context, request: string): void {
  const observe = getUintOption(message, OptionNumber.OBSERVE);
  if (ctx.json) {
    printJson(responseJson(message, { request, seq, observe: observe ?? null, receivedAtMs: systemClock.wallNow() }));
    return;
  }
  const time = new Date(systemClock.wallNow()).toISOString().slice(11, 23);
  if (first) {
    process.stdout.write(`${formatResponse(message).text}\n\n`);
    return;
  }
  const view = viewPayload(message.payload, getUintOption(message, OptionNumber.CONTENT_FORMAT));
  const head = `#${seq} ${codeName(message.code)}${observe === undefined ? '' : ` · Observe ${observe}`} · ${time}`;
  process.stdout.write(`${head}\n${view.text === '' ? '(no payload)' : view.text}\n\n`);
}

async function observeCommand(targetText: string, flags: ObserveFlags): Promise<number> {
  const ctx = await loadContext(flags);
  let count: number | undefined;
  if (flags.count !== undefined) {
    const c = parsePositiveInt(flags.count, '--count');
    if (!c.ok) throw usage(c.error);
    count = c.value;
  }
  const spec = await buildSpec(Code.GET, targetText, flags);
  const client: Client = await open(ctx);
  let received = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const onSigint = (): void => finish(ExitCode.OK);
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  const handle = client.observe(
    spec,
    {
      onNotification: (message) => {
        received++;
        if (codeClass(message.code) !== 2) {
          // RFC 7641 §4.2: a non-2.xx notification ends the observation.
          const text = explainResponse(message, { action: 'request', local: client.localLabel, gateway: client.gatewayLabel, target: spec.target.uri });
          if (ctx.json) printJson(responseJson(message, { request: describeRequest(spec), seq: received, error: text }));
          else process.stderr.write(`coap-gateway: ${text}\n`);
          finish(exitCodeFor(message.code));
          return;
        }
        printNotification(message, received, received === 1, ctx, describeRequest(spec));
        if (received === 1 && getUintOption(message, OptionNumber.OBSERVE) === undefined) {
          process.stderr.write(`coap-gateway: ${spec.target.uri} is not observable: the answer carried no Observe option\n`);
          finish(ExitCode.OK);
        }
        if (count !== undefined && received >= count) finish(ExitCode.OK);
      },
      onError: (text) => process.stderr.write(`coap-gateway: notification dropped: ${text}\n`),
      onEnd: (reason) => {
        if (reason === 'cancelled' || reason === 'not-observed') return;
        process.stderr.write(`coap-gateway: the observation ended (${reason === 'reset' ? 'the gateway sent RST' : reason})\n`);
        finish(reason === 'timeout' ? ExitCode.TIMEOUT : ExitCode.FAILURE);
      },
    },
    { timeoutMs: ctx.timeoutMs },
  );
  handle.first.catch((e: unknown) => {
    const failure = failureOf(e, ctx, client.gatewayLabel);
    process.stderr.write(`coap-gateway: ${failure instanceof Error ? failure.message : String(failure)}\n`);
    finish(failure instanceof CommandFailure ? failure.exitCode : ExitCode.FAILURE);
  });
  try {
    return await done;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    let timer: TimerHandle | undefined;
    await Promise.race([
      handle.cancel().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = systemClock.setTimer(resolve, CANCEL_WAIT_MS);
      }),
    ]);
    if (timer !== undefined) systemClock.clearTimer(timer);
    await client.close();
  }
}

export function registerObserve(program: Command): void {
  const command = program
    .command('observe')
    .argument('<target>', 'device name with path, or coap:// URI')
    .description('observe a resource: print each notification until Ctrl-C or --count N, then deregister')
    .option('-n, --count <n>', 'stop after N notifications');
  requestOptionFlags(command, false);
  commonOptions(command, 90)
    .addHelpText('after', EXAMPLES)
    .action(action((target: string, flags: ObserveFlags) => observeCommand(target, flags)));
}
