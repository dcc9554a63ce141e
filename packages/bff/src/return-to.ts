// Where to send the browser after sign-in: same-origin paths only. An open
// redirect here would turn our sign-in into a phishing relay.
//
// The text is checked (`//evil`, `/\evil`, `https:evil`, control characters,
// and the same percent-encoded), and so is what URL parsing *produces* from it:
// dot segments are removed by parsing, so `/.//evil.example` passes every text
// check and becomes the path `//evil.example`, which a browser reads as another
// host. The result is therefore re-checked after parsing, and the callback
// navigates to the app's origin + that path, never to the path alone.

/** Longest accepted returnTo (after normalisation): it travels in a cookie. */
export const MAX_RETURN_TO_LENGTH = 2048;

const PLACEHOLDER_ORIGIN = "https://same.origin.invalid";

/**
 * The path (with query and fragment) to return to, or undefined when `value` is
 * not a safe path on `origin`. `origin` defaults to a placeholder: the result is
 * then a path that stays on whatever origin it is appended to.
 */
export function safeReturnTo(value: string | null | undefined, origin: string = PLACEHOLDER_ORIGIN): string | undefined {
  if (typeof value !== "string" || value === "" || value.length > MAX_RETURN_TO_LENGTH) return undefined;
  let decoded = value;
  // Decode repeatedly: "%252F%252Fevil" must be judged as "//evil" too.
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return undefined;
    }
    if (!isSafePath(next)) return undefined;
    if (next === decoded) break;
    decoded = next;
  }
  if (!isSafePath(value)) return undefined;
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(value, base.origin);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin || url.username !== "" || url.password !== "") return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // What parsing produced must itself be a safe path: "/.//evil" parses to "//evil".
  if (!isSafePath(path) || path.length > MAX_RETURN_TO_LENGTH) return undefined;
  return path;
}

/** The absolute URL the callback navigates to: the app's origin and a path checked by safeReturnTo, or undefined. */
export function returnUrl(origin: string, path: string): string | undefined {
  const safe = safeReturnTo(path, origin);
  if (safe === undefined) return undefined;
  const url = new URL(`${new URL(origin).origin}${safe}`);
  return url.origin === new URL(origin).origin ? url.toString() : undefined;
}

function isSafePath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.includes("\\") && !/[\u0000-\u001f\u007f]/.test(path);
}
