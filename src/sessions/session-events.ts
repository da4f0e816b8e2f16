// Session diagnostics channels: opened and closed sessions, for metrics and the admin dashboard.
import { channel } from '../telemetry/index.js';

/** Why a session ended at its socket. 'moved': a sticky login took it to another socket. */
export type CloseReason = 'idle' | 'expired' | 'replaced' | 'moved' | 'logout';

export interface SessionOpenedEvent {
  readonly account: string;
  readonly clientKey: string;
  readonly sticky: boolean;
  readonly replaced: boolean;
  readonly moved: boolean;
}

export interface SessionClosedEvent {
  readonly account: string;
  readonly clientKey: string;
  readonly reason: CloseReason;
}

export const sessionOpenedChannel = channel<SessionOpenedEvent>('sessions:opened');
export const sessionClosedChannel = channel<SessionClosedEvent>('sessions:closed');
