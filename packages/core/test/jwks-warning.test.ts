// Without an onEvent listener, a JWKS outage must still show on the server:
// one process warning per outage (not one per request), naming the URL and the
// cause, never a token.
import { JWKS_WARNING_CODE } from "../src/jwks";
import { fixtures, rejection } from "./helpers";

const t = fixtures();

/**
 * Watches process.emitWarning for warnings with our code. Jest gives each test
 * file its own \`process\` object, whose "warning" events never fire, so the
 * calls are watched instead; they still go through to Node (and stderr).
 */
function watchWarnings(): { warned(): string[]; stop(): void } {
  const spy = jest.spyOn(process, "emitWarning");
  return {
    warned: () => spy.mock.calls.filter(([, options]) => (options as { code?: string } | undefined)?.code === JWKS_WARNING_CODE).map(([message]) => String(message)),
    stop: () => spy.mockRestore(),
  };
}

const nextTicks = () => new Promise((resolve) => setImmediate(resolve));

test("one warning per outage, with the URL and the cause; none while healthy; another after a recovery and a new outage", async () => {
  const issuer = await t.issuer();
  const watch = watchWarnings();
  try {
    issuer.setFault({ mode: "status", status: 404 });
    const verifier = t.verifier({ ...issuer.verifierOptions, jwks: { cooldownSeconds: 0 } });
    const token = issuer.mintAccessToken();
    for (let i = 0; i < 5; i++) expect((await rejection(verifier.verify(issuer.mintAccessToken()))).status).toBe(503);
    await Promise.all(Array.from({ length: 5 }, () => rejection(verifier.verify(token))));
    await nextTicks();
    expect(watch.warned()).toHaveLength(1);
    expect(watch.warned()[0]).toContain(issuer.jwksUri);
    expect(watch.warned()[0]).toContain("answered 404");
    for (const part of token.split(".")) expect(watch.warned()[0]).not.toContain(part);

    issuer.setFault(null);
    await verifier.verify(token);
    await nextTicks();
    expect(watch.warned()).toHaveLength(1);

    issuer.setFault({ mode: "down" });
    await verifier.warmup().catch(() => undefined);
    await verifier.warmup().catch(() => undefined);
    await nextTicks();
    expect(watch.warned()).toHaveLength(2);
    expect(watch.warned()[1]).toContain(issuer.jwksUri);
  } finally {
    watch.stop();
  }
});

test("with an onEvent listener the listener is told instead, and no warning is written", async () => {
  const issuer = await t.issuer();
  const watch = watchWarnings();
  try {
    issuer.setFault({ mode: "down" });
    const events: unknown[] = [];
    const verifier = t.verifier({ ...issuer.verifierOptions, onEvent: (event) => events.push(event) });
    expect((await rejection(verifier.verify(issuer.mintAccessToken()))).status).toBe(503);
    await nextTicks();
    expect(watch.warned()).toHaveLength(0);
    expect(events).toContainEqual(expect.objectContaining({ type: "jwks_fetch", ok: false }));
  } finally {
    watch.stop();
  }
});
