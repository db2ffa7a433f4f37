import type { ModuleRef } from '@nestjs/core';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { invalidOption } from '../errors.js';
import { loadPeer } from '../peers.js';

/** Unsubscribes what `subscribe` registered. */
export type Unsubscribe = () => void;

/**
 * The application's EventEmitter2, from @nestjs/event-emitter, loaded only by features that use
 * events so the package stays an optional peer. `what` names the feature in the error.
 */
export async function applicationEmitter(moduleRef: ModuleRef, what: string): Promise<EventEmitter2> {
  const { EventEmitter2: Emitter } = await loadPeer<typeof import('@nestjs/event-emitter')>('@nestjs/event-emitter', what);
  try {
    return moduleRef.get(Emitter, { strict: false });
  } catch (error) {
    throw invalidOption(what, 'needs the application event bus: import EventEmitterModule.forRoot() from @nestjs/event-emitter in the root module', error);
  }
}

/** Listens to every `event` with its listener; the listener must not throw (it handles its own failures). */
export function subscribe(emitter: EventEmitter2, listeners: ReadonlyMap<string, (payload: unknown) => Promise<void>>): Unsubscribe {
  // EventEmitter2 passes every argument of emit(); the payload is the first one, as for @OnEvent.
  const bound = [...listeners].map(([event, listener]) => [event, (payload: unknown) => listener(payload)] as const);
  for (const [event, listener] of bound) emitter.on(event, listener);
  return () => {
    for (const [event, listener] of bound) emitter.off(event, listener);
  };
}
