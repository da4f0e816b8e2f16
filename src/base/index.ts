// Public surface of base: leaf helpers with one concept each.
export { type Result, ok, err } from './result.js';
export { type Clock, type TimerHandle, systemClock } from './clock.js';
export { type Random, cryptoRandom, seededRandom } from './random.js';
export { BoundedMap } from './bounded-map.js';
