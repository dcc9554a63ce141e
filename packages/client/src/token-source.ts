// The access token, in this tab's memory only (never localStorage,
// sessionStorage, cookies or IndexedDB), and its refresh: one at a time in the
// tab (concurrent callers share it), one at a time across tabs (Web Locks), and
// shared with the other tabs (BroadcastChannel). A tab that waited for the
// lock looks at what the others have before it asks the token handler again.
import { abortable, sleep } from "./backoff.js";
import { SessionExpiredError } from "./errors.js";
import { createTabs, type TabMessage, type Tabs } from "./tabs.js";

export interface Token {
  accessToken: string;
  /** ms since the epoch. */
  expiresAt: number;
}

/** How long a tab that got the lock waits for another tab's token, when there are other tabs. */
const ASK_WAIT_MS = 100;

export class TokenSource {
  private current: Token | undefined;
  private inflight: Promise<Token> | undefined;
  /** Tokens the API refused: not taken back from another tab. */
  private readonly refused = new Set<string>();
  private readonly tabs: Tabs;

  constructor(
    private readonly fetchToken: () => Promise<Token>,
    private readonly marginMs: number,
    channelName: string,
    private readonly onSessionExpired: () => void,
  ) {
    this.tabs = createTabs(channelName, (message) => this.onMessage(message));
  }

  /** A token valid beyond the margin: the one in memory, or a refreshed one. */
  async get(signal?: AbortSignal | null): Promise<string> {
    if (this.isFresh(this.current)) return this.current!.accessToken;
    return (await abortable(this.refresh(), signal)).accessToken;
  }

  /** The API refused `token` (401 invalid_token): the next get() refreshes. */
  invalidate(token: string): void {
    this.refused.add(token);
    if (this.current?.accessToken === token) this.current = undefined;
  }

  /** Forget the token here and in every tab (after sign-out). */
  clear(broadcast: boolean): void {
    this.current = undefined;
    if (broadcast) this.tabs.send({ type: "session-expired" });
  }

  close(): void {
    this.tabs.close();
  }

  private isFresh(token: Token | undefined): boolean {
    return token !== undefined && token.expiresAt - this.marginMs > Date.now() && !this.refused.has(token.accessToken);
  }

  private refresh(): Promise<Token> {
    this.inflight ??= this.tabs
      .exclusive(async () => {
        if (this.isFresh(this.current)) return this.current!;
        if (this.tabs.hasPeers) {
          this.tabs.send({ type: "ask" });
          await sleep(ASK_WAIT_MS);
          if (this.isFresh(this.current)) return this.current!;
        }
        let token: Token;
        try {
          token = await this.fetchToken();
        } catch (err) {
          if (err instanceof SessionExpiredError) this.sessionExpired(true);
          throw err;
        }
        this.current = token;
        this.tabs.send({ type: "token", ...token });
        return token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private sessionExpired(broadcast: boolean): void {
    this.current = undefined;
    if (broadcast) this.tabs.send({ type: "session-expired" });
    try {
      this.onSessionExpired();
    } catch {
      // The app's handler failing must not break the caller's error path.
    }
  }

  private onMessage(message: TabMessage): void {
    switch (message.type) {
      case "token":
        if (typeof message.accessToken === "string" && typeof message.expiresAt === "number" && message.expiresAt > (this.current?.expiresAt ?? 0)) {
          if (!this.refused.has(message.accessToken)) this.current = { accessToken: message.accessToken, expiresAt: message.expiresAt };
        }
        return;
      case "ask":
        if (this.isFresh(this.current)) this.tabs.send({ type: "token", ...this.current! });
        return;
      case "session-expired":
        this.sessionExpired(false);
        return;
      default:
        return;
    }
  }
}
