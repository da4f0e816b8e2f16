// Typed diagnostics_channel wrapper: the only event bus between folders and to the outside.
import diagnostics from 'node:diagnostics_channel';

export interface TypedChannel<T> {
  readonly name: string;
  /** True when someone listens; check before building an event object on a hot path. */
  readonly hasSubscribers: boolean;
  publish(event: T): void;
  subscribe(listener: (event: T) => void): () => void;
}

export function channel<T>(name: string): TypedChannel<T> {
  const ch = diagnostics.channel(`coap-gateway:${name}`);
  return {
    name: ch.name as string,
    get hasSubscribers() {
      return ch.hasSubscribers;
    },
    publish(event: T) {
      if (ch.hasSubscribers) ch.publish(event);
    },
    subscribe(listener: (event: T) => void) {
      const fn = (message: unknown): void => listener(message as T);
      ch.subscribe(fn);
      return () => {
        ch.unsubscribe(fn);
      };
    },
  };
}
