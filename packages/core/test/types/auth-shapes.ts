// The auth object's shapes as users write against them: a discriminated union
// on `kind`, `username` only for users, typed custom claims, the new options
// and requirements. Every `@ts-expect-error` must stay an error.
import {
  createVerifier,
  requireAuthLevel,
  requireClient,
  requireUser,
  type AuthLevel,
  type CallerKind,
  type CognitoAuth,
  type CognitoClientAuth,
  type CognitoUserAuth,
  type RejectReason,
} from "@cognito-bearer/core";

export function describeCaller(auth: CognitoAuth): string {
  const kind: CallerKind = auth.kind;
  // On the union, username may be absent (a machine client has none).
  const maybeName: string | undefined = auth.username;
  // @ts-expect-error not narrowed yet: username may be undefined
  const notYet: string = auth.username;
  void notYet;
  if (auth.kind === "user") {
    const user: CognitoUserAuth = auth;
    const name: string = auth.username;
    return `${kind} ${name} ${user.groups.join(",")} ${maybeName}`;
  }
  const client: CognitoClientAuth = auth;
  const none: undefined = auth.username;
  const noGroups: readonly never[] = auth.groups;
  // @ts-expect-error narrowed to a machine client: not a user
  const asUser: CognitoUserAuth = auth;
  void [noGroups, asUser];
  return `${client.clientId} ${String(none)}`;
}

export function customClaims(auth: CognitoAuth): void {
  const tenant: string | undefined = auth.claim<string>("tenant_id");
  const level: number | undefined = auth.claim<number>("level");
  const unknownByDefault: unknown = auth.claim("anything");
  // @ts-expect-error claim<T>() may be undefined: the claim can be absent
  const sure: string = auth.claim<string>("tenant_id");
  // @ts-expect-error claim names are strings
  auth.claim(1);
  const acr: string | undefined = auth.claims.acr;
  const amr: string[] | undefined = auth.claims.amr;
  const aud: string | string[] | undefined = auth.claims.aud;
  void [tenant, level, unknownByDefault, sure, acr, amr, aud];
}

// The audience option: a string or a list of them.
createVerifier({ userPoolId: "eu-west-1_AbCdEf123", clientId: "c", audience: "https://api.example.com" });
createVerifier({ userPoolId: "eu-west-1_AbCdEf123", clientId: "c", audience: ["https://a.example.com", "https://b.example.com"] });
// @ts-expect-error an audience is a string, not a number
createVerifier({ userPoolId: "eu-west-1_AbCdEf123", clientId: "c", audience: 1 });

requireUser();
requireClient();
requireClient("billing-service", "reports-service");
requireClient(["billing-service"]);
// @ts-expect-error client ids are strings
requireClient(1);
const level: AuthLevel = { acr: ["urn:example:mfa"], maxAge: 300 };
requireAuthLevel(level);
requireAuthLevel({ maxAge: 0 });
requireAuthLevel({ acr: "urn:example:mfa" });
// @ts-expect-error maxAge is a number of seconds
requireAuthLevel({ maxAge: "5m" });
// @ts-expect-error requireUser takes nothing
requireUser("alice");

const reasons: RejectReason[] = ["audience", "user_required", "client_required", "insufficient_user_authentication"];
void reasons;
