// withCognitoAuth() takes either a Verifier or the verifier's options with the
// adapter's own options mixed in; this splits them and creates the verifier
// once, so that a misconfiguration throws where the listener is created.
import type { IncomingMessage } from "node:http";
import { OptionsError, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import { booleanOption, resolveAdapterInput } from "@cognito-bearer/core/adapter";

export interface WithCognitoAuthOptions {
  /** Call the handler for requests without credentials too, with `auth` undefined; bad credentials are still refused. Default false. */
  optional?: boolean | undefined;
  /** Call the handler for CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) unauthenticated, with `auth` undefined. Default true. */
  allowPreflight?: boolean | undefined;
  /**
   * Told about an error the handler threw or rejected with (the client gets a
   * generic 500). Default: written to stderr with console.error.
   */
  onError?: ((error: unknown, req: IncomingMessage) => void) | undefined;
}

export interface ResolvedAdapter {
  verifier: Verifier;
  optional: boolean;
  allowPreflight: boolean;
  onError: (error: unknown, req: IncomingMessage) => void;
}

const logHandlerError = (error: unknown): void => {
  console.error("cognito-bearer: the request handler failed:", error);
};

export function resolveAdapter(
  input: (VerifierOptions & WithCognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  adapterOptions: WithCognitoAuthOptions | undefined,
): ResolvedAdapter {
  const { verifier, options } = resolveAdapterInput(input, adapterOptions, ["optional", "allowPreflight", "onError"]);
  const onError = options.onError ?? logHandlerError;
  if (typeof onError !== "function") throw new OptionsError("onError must be a function");
  return {
    verifier,
    optional: booleanOption("optional", options.optional, false),
    allowPreflight: booleanOption("allowPreflight", options.allowPreflight, true),
    onError: onError as ResolvedAdapter["onError"],
  };
}
