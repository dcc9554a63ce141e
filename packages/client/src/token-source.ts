// The access token, in this tab's memory only (never localStorage,
// sessionStorage, cookies or IndexedDB), and its refresh: one at a time in the
// tab (concurrent callers share it), one at a time across tabs (Web Locks), and
// shared with the other tabs (BroadcastChannel). A tab that waited for the
// lock looks at what the others have before it asks the token handler again.
//
// A sign-out (here or in another tab) is not an expiry: the tab forgets its
// token and stops asking for one, so that nothing signs the user in again on
// its own; an expiry sends the user to sign in (onSessionExpired).
import { abortable, sleep } from "./backoff.js";
import { SessionExpiredError, SignedOutError } from "./errors.js";
import { createTabs, type TabMessage, type Tabs } from "./tabs.js";

export interface Token {
  accessToken: string;
  /** ms since the epoch. */
  expiresAt: number;
}

export interface SessionEvents {
  /** The token handler refused to refresh (and no sign-out was under way): sign in again. */
  onSessionExpired: () => void;
  /** The user signed out, here or in another tab. */
  onSignedOut: () => void;
}

/** How long a tab that got the lock waits for another tab's token, when there are other tabs. */
const ASK_WAIT_MS = 100;

export class TokenSource {
  private current: Token | undefined;
  private inflight: Promise<Token> | undefined;
  /** Tokens the API refused: not taken back from another tab. */
  private readonly refused = new Set<string>();
  private readonly tabs: Tabs;
  /** Signed out (here or in another tab): get() fails at once, until a tab that signed in again shares a token. */
  private signedOut = false;
  /**
   * A sign-out began (here or in another tab) and this tab has not had a token
   * of its own from the token handler since: a refusal to refresh now means
   * signed out, not expired. Only ever errs towards staying signed out.
   */
  private signOutSeen = false;
  /** Sign-out notices so far: a refresh that straddles one does not clear signOutSeen. */
  private signOutNotices = 0;

  constructor(
    private readonly fetchToken: () => Promise<Token>,
    private readonly marginMs: number,
    channelName: string,
    private readonly events: SessionEvents,
  ) {
    this.tabs = createTabs(channelName, (message) => this.onMessage(message));
  }

  /** A token valid beyond the margin: the one in memory, or a refreshed one. */
  async get(signal?: AbortSignal | null): Promise<string> {
    if (this.signedOut) throw new SignedOutError();
    if (this.isFresh(this.current)) return this.current!.accessToken;
    return (await abortable(this.refresh(), signal)).accessToken;
  }

  /** Proxy mode (no token in the tab): throws SignedOutError once signed out; otherwise undefined. */
  assertSignedIn(): undefined {
    if (this.signedOut) throw new SignedOutError();
    return undefined;
  }

  /**
   * Proxy mode: the token handler answered that the session is over. During (or after) a sign-out that is the
   * sign-out (SignedOutError); otherwise every tab hears of the expiry (SessionExpiredError).
   */
  expiredByServer(): never {
    if (this.signOutSeen || this.signedOut) {
      this.markSignedOut();
      throw new SignedOutError();
    }
    this.sessionExpired(true);
    throw new SessionExpiredError();
  }

  /** The API refused `token` (401 invalid_token): the next get() refreshes. */
  invalidate(token: string): void {
    this.refused.add(token);
    if (this.current?.accessToken === token) this.current = undefined;
  }

  /** This tab is about to ask the token handler to end the session: every tab is told first. */
  signingOut(): void {
    this.noticeSignOut();
    this.tabs.send({ type: "signing-out" });
  }

  /** The session ended here on purpose: forget the token, tell every tab, run onSignedOut. */
  signedOutHere(): void {
    this.noticeSignOut();
    this.tabs.send({ type: "signed-out" });
    this.markSignedOut();
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
        if (this.signedOut) throw new SignedOutError();
        if (this.isFresh(this.current)) return this.current!;
        if (this.tabs.hasPeers) {
          this.tabs.send({ type: "ask" });
          await sleep(ASK_WAIT_MS);
          if (this.signedOut) throw new SignedOutError();
          if (this.isFresh(this.current)) return this.current!;
        }
        const notices = this.signOutNotices;
        let token: Token;
        try {
          token = await this.fetchToken();
        } catch (err) {
          if (err instanceof SessionExpiredError) {
            // Refused while (or after) the user signs out: the sign-out, not an expiry. No sign-in page.
            if (this.signOutSeen || this.signedOut) {
              this.markSignedOut();
              throw new SignedOutError();
            }
            this.sessionExpired(true);
          }
          throw err;
        }
        // Signed out while this refresh was under way: its token is the old session's.
        if (this.signedOut) throw new SignedOutError();
        if (notices === this.signOutNotices) this.signOutSeen = false;
        this.current = token;
        this.tabs.send({ type: "token", ...token });
        return token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private noticeSignOut(): void {
    this.signOutNotices++;
    this.signOutSeen = true;
  }

  private markSignedOut(): void {
    this.current = undefined;
    if (this.signedOut) return;
    this.signedOut = true;
    try {
      this.events.onSignedOut();
    } catch {
      // The app's handler failing must not break the caller's path.
    }
  }

  private sessionExpired(broadcast: boolean): void {
    this.current = undefined;
    if (broadcast) this.tabs.send({ type: "session-expired" });
    try {
      this.events.onSessionExpired();
    } catch {
      // The app's handler failing must not break the caller's error path.
    }
  }

  private onMessage(message: TabMessage): void {
    switch (message.type) {
      case "token":
        if (typeof message.accessToken !== "string" || typeof message.expiresAt !== "number" || this.refused.has(message.accessToken)) return;
        if (this.signedOut) {
          // A tab signed in again since: this one follows. (Should the token be the old session's, the API refuses it, and the
          // token handler's refusal then still means signed out here: signOutSeen stays until this tab gets a token of its own.)
          this.signedOut = false;
          this.current = { accessToken: message.accessToken, expiresAt: message.expiresAt };
          return;
        }
        if (message.expiresAt > (this.current?.expiresAt ?? 0)) this.current = { accessToken: message.accessToken, expiresAt: message.expiresAt };
        return;
      case "ask":
        if (!this.signedOut && this.isFresh(this.current)) this.tabs.send({ type: "token", ...this.current! });
        return;
      case "signing-out":
        this.noticeSignOut();
        return;
      case "signed-out":
        this.noticeSignOut();
        this.markSignedOut();
        return;
      case "session-expired":
        // Another tab's refresh refused during a sign-out it had not heard of yet: still the sign-out here.
        if (this.signOutSeen || this.signedOut) this.markSignedOut();
        else this.sessionExpired(false);
        return;
      default:
        return;
    }
  }
}
