// The realm an auth object was verified under, so that a route-level check
// (requireScopes, requireGroups) answers with the same challenge realm as the
// verifier, without the adapter having to pass the verifier around.
import type { CognitoAuth } from "./auth.js";
import { DEFAULT_REALM } from "./errors.js";

const realms = new WeakMap<CognitoAuth, string>();

export function rememberRealm(auth: CognitoAuth, realm: string): void {
  if (realm !== DEFAULT_REALM) realms.set(auth, realm);
}

export function realmOf(auth: CognitoAuth | undefined, fallback: string | undefined): string {
  return (auth !== undefined ? realms.get(auth) : undefined) ?? fallback ?? DEFAULT_REALM;
}

// Likewise the URL of the protected resource metadata (RFC 9728), for the
// `resource_metadata` parameter of a route-level check's challenge.
const resourceMetadataUrls = new WeakMap<CognitoAuth, string>();

export function rememberResourceMetadata(auth: CognitoAuth, url: string | undefined): void {
  if (url !== undefined) resourceMetadataUrls.set(auth, url);
}

export function resourceMetadataOf(auth: CognitoAuth | undefined): string | undefined {
  return auth !== undefined ? resourceMetadataUrls.get(auth) : undefined;
}
