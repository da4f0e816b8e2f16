// A view of a transport whose close() only detaches, so a device can reboot its endpoint on the same socket.
import type { DatagramHandler, DatagramTransport, PeerAddress } from '../transport/index.js';

export function detachableTransport(inner: DatagramTransport): DatagramTransport {
  let attached = true;
  let handler: DatagramHandler | undefined;
  inner.onDatagram((data, from) => {
    if (attached) handler?.(data, from);
  });
  return {
    get local() {
      return inner.local;
    },
    send(data: Buffer, to: PeerAddress): void {
      if (attached) inner.send(data, to);
    },
    onDatagram(h: DatagramHandler): void {
      handler = h;
    },
    close(): Promise<void> {
      attached = false;
      handler = undefined;
      return Promise.resolve();
    },
  };
}
