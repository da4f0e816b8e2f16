// Public surface of transport: the datagram interface, UDP sockets and the in-memory network twin.
export type { DatagramTransport, DatagramHandler, PeerAddress } from './datagram-transport.js';
export { bindUdp, type UdpBindOptions } from './udp-transport.js';
export { MemoryNetwork, type LinkConditions, type Datagram, type NetworkTap } from './memory-network.js';
