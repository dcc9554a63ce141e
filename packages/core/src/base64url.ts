// base64url (RFC 4648 §5) to bytes with what every runtime has (atob), so
// that explain() and the JWKS checks need no Buffer. Not on the hot path:
// aws-jwt-verify decodes the tokens it verifies itself.

/** The bytes of a base64url string (padding optional); throws on characters outside the alphabet. */
export function decodeBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new TypeError("not base64url");
  const binary = atob(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.replace(/=+$/, "").length / 4) * 4, "="));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
