// node-coap's forward proxy (`coap` npm package, createServer({ proxy: true })) as a bench peer process.
//
// Requests with a Proxy-Uri are relayed by node-coap itself (it keeps the client's message ID and token
// upstream); anything else gets 4.04 from the handler below. Prints {"port":P} once listening; stdin
// "mem" prints memory; stdin EOF exits. Usage: node .bench-build/node-coap-proxy.js [--host H] [--port P]
import { createServer } from 'coap';
import { attachControl } from './child-control.js';

const args = process.argv.slice(2);
const at = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const host = at('--host') ?? '127.0.0.1';
const port = Number(at('--port') ?? '0');

const server = createServer({ proxy: true, type: 'udp4' }, (_req, res) => {
  res.code = '4.04';
  res.end();
});
server.listen(port, host, () => {
  const addr = (server as unknown as { _sock?: { address(): { port: number } } })._sock?.address();
  console.log(JSON.stringify({ port: addr?.port ?? port }));
});
attachControl(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
    }),
);
