// One token handler per process, however many times Next.js evaluates the
// module that creates it. Next bundles the app in layers (route handlers,
// server components, server actions, proxy.ts), and a module imported by
// several is evaluated once per layer, in the same process: a handler made per
// evaluation would have a session store of its own (in memory: a session made
// by /auth/callback unknown to a server component), refresh locks of its own
// (two refreshes of one session: with rotation, one refresh token lost) and
// connections of its own. So the handler lives on globalThis, under a
// Symbol.for key that every copy of this module computes alike.
const KEY_PREFIX = "cognito-bearer.next:";

type Registry = Record<symbol, unknown>;

export function memoKey(name: string): symbol {
  return Symbol.for(`${KEY_PREFIX}${name}`);
}

/** The value stored under `name`, made by `create` the first time. */
export function memoised<T>(name: string, create: () => T): T {
  const registry = globalThis as unknown as Registry;
  const key = memoKey(name);
  if (!(key in registry)) registry[key] = create();
  return registry[key] as T;
}

/** Forgets `name` if it still holds `value` (after close(), a new evaluation builds a new one). */
export function forget(name: string, value: unknown): void {
  const registry = globalThis as unknown as Registry;
  const key = memoKey(name);
  if (registry[key] === value) delete registry[key];
}
