// Public surface of transport: the datagram interface, UDP sockets and the in-memory network twin.
export type { DatagramTransport, DatagramHandler, PeerAddress } from './datagram-transport.js';
