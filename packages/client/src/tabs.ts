// Coordination between the tabs of one origin, where the browser has it:
// Web Locks make one refresh at a time across tabs, and a BroadcastChannel
// shares the new access token (and a session's end) with every tab. Tokens go
// between tabs of one origin only, in memory: never to storage.
//
// A session's end comes in two kinds, told apart because they call for opposite
// answers: "session-expired" (the token handler refused to refresh: sign in
// again) and "signed-out" (the user signed out on purpose: stay signed out).
// "signing-out" goes first, before the token handler is asked to end the
// session, so that a tab whose refresh is refused meanwhile knows why.

export type TabMessage =
  | { type: "token"; accessToken: string; expiresAt: number }
  | { type: "ask" }
  | { type: "hello" }
  | { type: "here" }
  | { type: "session-expired" }
  | { type: "signing-out" }
  | { type: "signed-out" };

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export interface Tabs {
  /** Runs `task` while holding the cross-tab lock (or at once where there are no Web Locks). */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  send(message: TabMessage): void;
  /** Whether another tab has ever been heard from: only then is asking worth a wait. */
  readonly hasPeers: boolean;
  close(): void;
}

export function createTabs(name: string, onMessage: (message: TabMessage) => void): Tabs {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(name) : undefined;
  let hasPeers = false;
  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      const message = event.data as TabMessage;
      if (typeof message !== "object" || message === null) return;
      hasPeers = true;
      // A new tab says hello; answering lets it know it is not alone.
      if (message.type === "hello") channel.postMessage({ type: "here" });
      onMessage(message);
    };
    // Node's BroadcastChannel would keep a process alive.
    (channel as unknown as { unref?: () => void }).unref?.();
    channel.postMessage({ type: "hello" });
  }
  return {
    exclusive: (task) => (locks ? locks.request(`${name}:refresh`, task) : task()),
    send: (message) => channel?.postMessage(message),
    get hasPeers() {
      return hasPeers;
    },
    close: () => channel?.close(),
  };
}
