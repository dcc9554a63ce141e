// Adapters take either a Verifier or the verifier's options with their own
// options mixed in (`cognitoAuth({ userPoolId, clientId, optional: true })`),
// plus an optional second argument of adapter options. Splitting them lives
// here, once, so that every adapter creates its verifier the same way and a
// misconfiguration throws where the middleware is created.
import { assertKnownKeys } from "../option-keys.js";
import { OptionsError, VERIFIER_OPTION_KEYS, type VerifierOptions } from "../options.js";
import { createVerifier, isVerifier, type Verifier } from "../verifier.js";

export interface AdapterInput<K extends string> {
  verifier: Verifier;
  /** The adapter's options: the second argument wins over options mixed into the first. */
  options: Partial<Record<K, unknown>>;
}

export function resolveAdapterInput<K extends string>(
  input: VerifierOptions | readonly VerifierOptions[] | Verifier,
  adapterOptions: object | undefined,
  adapterKeys: readonly K[],
): AdapterInput<K> {
  if (adapterOptions !== undefined && (adapterOptions === null || typeof adapterOptions !== "object")) {
    throw new OptionsError("the adapter options must be an object");
  }
  if (adapterOptions !== undefined) {
    assertKnownKeys(adapterOptions, adapterKeys, "", (key) =>
      (VERIFIER_OPTION_KEYS as readonly string[]).includes(key)
        ? `"${key}" is an option of the verifier: put it in the first argument (or in createVerifier())`
        : undefined,
    );
  }
  let verifier: Verifier;
  const options: Partial<Record<K, unknown>> = {};
  if (isVerifier(input)) {
    verifier = input;
  } else if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    // Checked here, against both lists, so that a typo of an adapter option is named too.
    assertKnownKeys(input, [...VERIFIER_OPTION_KEYS, ...adapterKeys], "");
    const verifierOptions: Record<string, unknown> = { ...input };
    for (const key of adapterKeys) {
      options[key] = verifierOptions[key];
      delete verifierOptions[key];
    }
    verifier = createVerifier(verifierOptions as unknown as VerifierOptions);
  } else {
    // An array of pools, or something createVerifier refuses with its own message.
    verifier = createVerifier(input as readonly VerifierOptions[]);
  }
  for (const key of adapterKeys) {
    const value = (adapterOptions as Record<string, unknown> | undefined)?.[key];
    if (value !== undefined) options[key] = value;
  }
  return { verifier, options };
}

/** A boolean adapter option, validated. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new OptionsError(`${name} must be a boolean`);
  return value;
}
