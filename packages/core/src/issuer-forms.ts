// Cognito's issuers for one user pool, as of 2026:
// - the regional form `https://cognito-idp.<region>.amazonaws.com/<pool>`, and,
//   with multi-Region replication, one per Region the pool is replicated to
//   (a token's `iss` names the Region of the endpoint that issued it);
// - the global form `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`
//   (the "updated issuer"), named after the pool's home Region.
// All of them sign with the pool's one set of keys, so the verifier keeps one
// key set per pool and fetches it from the first endpoint that serves it: the
// nearest Region's regional JWKS first, the other Regions' next, the global
// form's last. The global form's JWKS answers 403 for pools that have not
// switched to the updated issuer (aws-jwt-verify#279), which is why it is not first.

/** Which form an issuer is, and its Region. */
export interface IssuerForm {
  issuer: string;
  form: "regional" | "global" | "override";
  region: string | undefined;
}

export const REGION = /^(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d$/;

export function regionalIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

export function globalIssuer(region: string, userPoolId: string): string {
  return `https://issuer-cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

/**
 * The issuers of a standard pool, in the order their JWKS are tried: the
 * nearest Region's regional issuer (the Region this process runs in, from
 * AWS_REGION, when the pool is there; else the pool's home Region), the other
 * Regions' in the order given, then the global form.
 */
export function standardIssuerForms(userPoolId: string, replicaRegions: readonly string[], runningIn: string | undefined): IssuerForm[] {
  const home = userPoolId.slice(0, userPoolId.indexOf("_"));
  const regions = [...new Set([home, ...replicaRegions])];
  const nearest = runningIn !== undefined && regions.includes(runningIn) ? runningIn : home;
  const ordered = [nearest, ...regions.filter((region) => region !== nearest)];
  return [
    ...ordered.map((region) => ({ issuer: regionalIssuer(region, userPoolId), form: "regional" as const, region })),
    { issuer: globalIssuer(home, userPoolId), form: "global" as const, region: home },
  ];
}

/** What an `iss` says about itself: which form, which Region, which pool (for explain()). */
export function describeIssuer(iss: string): { form: "regional" | "global" | "other"; region?: string; userPoolId?: string } {
  const match = /^https:\/\/(issuer-)?cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/([^/]+)$/.exec(iss);
  if (match === null) return { form: "other" };
  return { form: match[1] ? "global" : "regional", region: match[2], userPoolId: match[3] };
}
