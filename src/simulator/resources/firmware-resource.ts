// /fw: firmware upload (a large PUT/POST body, Block1 per RFC 7959) and the status of the last one.
import { createHash } from 'node:crypto';
import { Code, ContentFormat } from '../../coap/index.js';
import { reply, type DeviceContext, type Resource, type ResourceRequest } from './resource.js';

function store(req: ResourceRequest, ctx: DeviceContext) {
  const checksum = createHash('sha256').update(req.payload).digest('hex');
  ctx.state.firmware = { size: req.payload.length, checksum, receivedAtMs: ctx.clock.now() };
  return reply(Code.CHANGED, `received ${req.payload.length} bytes sha256=${checksum}`, ContentFormat.TEXT_PLAIN);
}

export const firmwareResource: Resource = {
  path: '/fw',
  link: { rt: 'ssn.firmware', if: 'core.p', ct: [ContentFormat.OCTET_STREAM, ContentFormat.TEXT_PLAIN], title: 'Firmware image upload' },
  maxBodyBytes: (c) => c.maxFirmwareBytes,
  methods: {
    [Code.GET]: (_req, ctx) => {
      const fw = ctx.state.firmware;
      const body = fw === undefined ? `running ${ctx.config.firmwareVersion}; no upload` : `running ${ctx.config.firmwareVersion}; last upload ${fw.size} bytes sha256=${fw.checksum}`;
      return reply(Code.CONTENT, body, ContentFormat.TEXT_PLAIN);
    },
    [Code.PUT]: store,
    [Code.POST]: store,
  },
};
