// Where to send the browser after sign-in: same-origin relative paths only.
// An open redirect here would turn our sign-in into a phishing relay, so
// everything a browser could read as another origin is refused: `//evil`,
// `/\evil` (browsers treat "\" as "/"), `https:evil`, control characters
// (stripped by browsers), and the same in percent-encoded forms.

/** The path to return to, or undefined when `value` is not a safe same-origin path. */
export function safeReturnTo(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (value.length > 2048) return undefined;
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
  // Resolved against a placeholder origin, it must stay on it.
  const url = new URL(value, "https://same.origin.invalid");
  if (url.origin !== "https://same.origin.invalid") return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}

function isSafePath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.includes("\\") && !/[\u0000-\u001f\u007f]/.test(path);
}
