// Progress text for block-wise transfers, drawn on stderr when it is a terminal.
import type { TransferProgress } from './block-transfer.js';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** "sending 3.0 KiB of 10.0 KiB (30%), 3 blocks" / "receiving 12.0 KiB, 12 blocks". */
export function progressLine(p: TransferProgress): string {
  const verb = p.direction === 'upload' ? 'sending' : 'receiving';
  const total = p.totalBytes !== undefined && p.totalBytes > 0 ? ` of ${size(p.totalBytes)} (${Math.min(100, Math.floor((p.bytes * 100) / p.totalBytes))}%)` : '';
  return `${verb} ${size(p.bytes)}${total}, ${p.blocks} block${p.blocks === 1 ? '' : 's'}`;
}
