// The listener reads Authorization from rawHeaders, as Node would from headers.
import { rawAuthorization } from "../src/raw-headers";

test.each([
  ["the usual spelling", ["Host", "x", "Authorization", "Bearer a"], "Bearer a"],
  ["any case of the name", ["AUTHORIZATION", "Bearer b"], "Bearer b"],
  ["the first of several, as Node keeps", ["authorization", "Bearer first", "Authorization", "Bearer second"], "Bearer first"],
  ["none", ["Host", "x", "Authorization-Extra", "y"], undefined],
  ["no headers at all", [], undefined],
])("%s", (_name, rawHeaders, expected) => {
  expect(rawAuthorization(rawHeaders)).toBe(expected);
});
