// `coap-gateway discover <device>`: GET the device's /.well-known/core (RFC 6690) and print its resources as a table.
import type { Command } from 'commander';
import { Code, OptionNumber, codeClass, getUintOption, ContentFormat } from '../../coap/index.js';
import { ExitCode, discoveryTarget, viewPayload } from '../../client/index.js';
import { EXIT_CODES_HELP, action, commonOptions, loadContext, open, usage } from './client-common.js';
import { buildSpec, report, requestOptionFlags, send, type RequestFlags } from './request.js';

interface DiscoverFlags extends RequestFlags {
  readonly filter?: string[];
}

const EXAMPLES = `
Examples:
  $ coap-gateway discover SSN001350050005E7D6.starfish.test
  $ coap-gateway discover coap://SSN0013500500000001.starfish.test:4849 --filter rt=core.gpio
  $ coap-gateway discover /            (the gateway's own resources)
  $ coap-gateway discover SSN001350050005E7D6.starfish.test --json

--filter adds RFC 6690 §4.1 query filters (name=value, a trailing * matches a prefix); repeat it for more.
${EXIT_CODES_HELP}`;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

async function discover(targetText: string, flags: DiscoverFlags): Promise<number> {
  const ctx = await loadContext(flags);
  const target = discoveryTarget(targetText, flags.filter ?? []);
  if (!target.ok) throw usage(target.error);
  const spec = await buildSpec(Code.GET, targetText, flags, target.value);
  const client = await open(ctx);
  try {
    const message = await send(spec, client, ctx);
    const format = getUintOption(message, OptionNumber.CONTENT_FORMAT);
    const view = viewPayload(message.payload, format ?? ContentFormat.LINK_FORMAT);
    if (ctx.json || codeClass(message.code) !== 2 || view.kind !== 'link-format') return report(message, spec, client, ctx);
    const n = Array.isArray(view.value) ? view.value.length : 0;
    process.stdout.write(`${n} resource${n === 1 ? '' : 's'} at ${spec.target.uri}\n\n${view.text}\n`);
    return ExitCode.OK;
  } finally {
    await client.close();
  }
}

export function registerDiscover(program: Command): void {
  const command = program
    .command('discover')
    .argument('<device>', 'device name or coap:// URI (any path is replaced by /.well-known/core)')
    .description("list a device's resources (GET /.well-known/core) as a table")
    .option('--filter <name=value>', 'RFC 6690 query filter, e.g. rt=core.gpio (repeatable)', collect);
  requestOptionFlags(command, false);
  commonOptions(command, 90)
    .addHelpText('after', EXAMPLES)
    .action(action((device: string, flags: DiscoverFlags) => discover(device, flags)));
}
