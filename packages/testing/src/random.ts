import { randomBytes, randomInt } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789";

// randomInt rejects out-of-range draws, so every character is equally likely
// (a byte % 62 would skew towards the start of the alphabet).
function randomString(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The random part of a Cognito user pool id, e.g. the `AbCdEf123` of `eu-west-1_AbCdEf123`. */
export function randomUserPoolSuffix(): string {
  return randomString(ALPHANUMERIC, 9);
}

/** Cognito app client ids are 26 lowercase alphanumerics. */
export function randomClientId(): string {
  return randomString(LOWER_ALPHANUMERIC, 26);
}

export function randomKid(): string {
  return randomBytes(16).toString("base64url");
}
