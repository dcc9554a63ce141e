// A Redis URL often carries a password: it is checked here, and refused with a
// message that never quotes it (node-redis's own parse error holds the whole
// URL in its `input` field, which an app's error logger would print).
import { OptionsError } from "@cognito-bearer/core";

export function assertRedisUrl(url: unknown): asserts url is string {
  if (typeof url !== "string" || !/^rediss?:\/\//i.test(url)) throw new OptionsError("url must be a redis:// or rediss:// URL");
  try {
    new URL(url);
  } catch {
    throw new OptionsError("url is not a valid URL (check its host, port and the percent-encoding of its password); it is not repeated here, since it may hold a password");
  }
}
