// The auth object travels: `res.json(req.auth)`, `logger.info({ auth })`,
// `console.log(auth)`. The raw token must not travel with it.
import { inspect } from "node:util";
import { fixtures } from "./helpers";

const t = fixtures();

test("auth.token is readable by name but left out of JSON, inspection, enumeration and spreads", async () => {
  const issuer = await t.issuer();
  const verifier = t.verifier(issuer.verifierOptions);
  const token = issuer.mintAccessToken({ username: "alice", scope: "orders/read" });
  for (const auth of [await verifier.verify(token), await verifier.verify(token)]) {
    expect(auth.token).toBe(token);
    expect(JSON.stringify(auth)).not.toContain(token.split(".")[2]);
    expect(JSON.parse(JSON.stringify(auth))).toMatchObject({ sub: auth.sub, username: "alice", scopes: ["orders/read"] });
    expect(inspect(auth, { depth: 10 })).not.toContain(token.split(".")[2]);
    expect(inspect(auth)).toContain("alice");
    expect(Object.keys(auth)).not.toContain("token");
    expect({ ...auth }).not.toHaveProperty("token");
    expect(Object.isFrozen(auth)).toBe(true);
    expect("token" in auth).toBe(true);
  }
});
