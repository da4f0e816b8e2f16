// /nic/info: what the NIC is (MAC, name, kind, firmware) and how long it has been up.
import { Code, ContentFormat } from '../../coap/index.js';
import { diagnostic, negotiate, reply, type DeviceContext, type Resource } from './resource.js';

export function nicInfo(ctx: DeviceContext): Record<string, string | number> {
  return {
    mac: ctx.identity.mac,
    name: ctx.identity.name,
    kind: ctx.identity.kind,
    firmware: ctx.state.firmware === undefined ? ctx.config.firmwareVersion : `${ctx.config.firmwareVersion}+upload-${ctx.state.firmware.checksum.slice(0, 8)}`,
    uptimeS: Math.floor((ctx.clock.now() - ctx.state.bootAtMs) / 1000),
    reboots: ctx.state.reboots,
  };
}

export const nicInfoResource: Resource = {
  path: '/nic/info',
  link: { rt: 'ssn.nic', if: 'core.rp', ct: [ContentFormat.JSON, ContentFormat.TEXT_PLAIN], title: 'NIC information' },
  methods: {
    [Code.GET]: (req, ctx) => {
      const format = negotiate(req.message, [ContentFormat.JSON, ContentFormat.TEXT_PLAIN]);
      if (format === undefined) return diagnostic(Code.NOT_ACCEPTABLE, 'application/json (50) or text/plain (0)');
      const info = nicInfo(ctx);
      const body =
        format === ContentFormat.JSON
          ? JSON.stringify(info)
          : Object.entries(info)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n') + '\n';
      return reply(Code.CONTENT, body, format);
    },
  },
};
