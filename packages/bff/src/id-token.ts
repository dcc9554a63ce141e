// The ID token came straight from Cognito's token endpoint over TLS, so its
// signature is not checked again (OpenID Connect Core 3.1.3.7); what ties it to
// this sign-in is its nonce, its audience and its subject.

export function idTokenMatches(idToken: string, nonce: string, clientId: string, sub: string): boolean {
  try {
    const claims = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return claims.nonce === nonce && aud.includes(clientId) && claims.sub === sub && claims.token_use === "id";
  } catch {
    return false;
  }
}
