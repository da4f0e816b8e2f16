// The friendly client's commands: login, get, put, post, delete, observe, discover, logout, status.
import type { Command } from 'commander';
import { registerDiscover } from './discover.js';
import { registerLogin } from './login.js';
import { registerLogout } from './logout.js';
import { registerObserve } from './observe.js';
import { registerRequests } from './request.js';
import { registerStatus } from './status.js';

export function register(program: Command): void {
  registerLogin(program);
  registerRequests(program);
  registerObserve(program);
  registerDiscover(program);
  registerLogout(program);
  registerStatus(program);
}
