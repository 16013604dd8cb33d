import type { Logger } from '../log/logger';
import type { QueueEventMap, QueueEventName } from './types';

type Listener<E extends QueueEventName> = (payload: QueueEventMap[E]) => void;

/** Typed listeners shared by both backends. A listener that throws is logged, never breaks the queue. */
export interface EventHub {
  on<E extends QueueEventName>(event: E, listener: Listener<E>): () => void;
  emit<E extends QueueEventName>(event: E, payload: QueueEventMap[E]): void;
  /** True when someone listens: lets a backend skip work whose only use is an event. */
  has(event: QueueEventName): boolean;
  clear(): void;
}

export function createEventHub(log: Logger): EventHub {
  const listeners = new Map<QueueEventName, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const fn = listener as (payload: never) => void;
      set.add(fn);
      return () => {
        set.delete(fn);
      };
    },
    emit(event, payload) {
      const set = listeners.get(event);
      if (!set || set.size === 0) return;
      for (const fn of [...set]) {
        try {
          (fn as Listener<typeof event>)(payload);
        } catch (err) {
          log.error('queue event listener threw', { event, err });
        }
      }
    },
    has(event) {
      return (listeners.get(event)?.size ?? 0) > 0;
    },
    clear() {
      listeners.clear();
    },
  };
}
