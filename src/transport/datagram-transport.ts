// DatagramTransport: what the engine needs from a socket, implemented by UDP and the in-memory twin.

export interface PeerAddress {
  /** IPv4 dotted quad or IPv6 text (no brackets, no zone unless link-local). */
  readonly address: string;
  readonly port: number;
}

export type DatagramHandler = (data: Buffer, from: PeerAddress) => void;

export interface DatagramTransport {
  /** The bound local address (port is the OS-chosen one when bound to port 0). */
  readonly local: PeerAddress;
  send(data: Buffer, to: PeerAddress): void;
  /** Sets the single receiver of incoming datagrams. */
  onDatagram(handler: DatagramHandler): void;
  close(): Promise<void>;
}
