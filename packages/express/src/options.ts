// cognitoAuth() takes either a Verifier or the verifier's options with the
// adapter's own options mixed in; this splits them and creates the verifier
// once, so that a misconfiguration throws where the middleware is created.
import { booleanOption, resolveAdapterInput, type Verifier, type VerifierOptions } from "@cognito-bearer/core";

export interface CognitoAuthOptions {
  /** Let requests without credentials through anonymously (`req.auth` undefined); bad credentials are still refused. Default false. */
  optional?: boolean;
  /** Hand AuthErrors to `next(err)` for your error handler instead of answering them. Default false. */
  passErrors?: boolean;
  /** Let CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) through unauthenticated. Default true. */
  allowPreflight?: boolean;
}

export interface ResolvedAdapter {
  verifier: Verifier;
  optional: boolean;
  passErrors: boolean;
  allowPreflight: boolean;
}

export function resolveAdapter(
  input: (VerifierOptions & CognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  adapterOptions: CognitoAuthOptions | undefined,
): ResolvedAdapter {
  const { verifier, options } = resolveAdapterInput(input, adapterOptions, ["optional", "passErrors", "allowPreflight"]);
  return {
    verifier,
    optional: booleanOption("optional", options.optional, false),
    passErrors: booleanOption("passErrors", options.passErrors, false),
    allowPreflight: booleanOption("allowPreflight", options.allowPreflight, true),
  };
}
