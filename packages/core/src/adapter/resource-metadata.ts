// Every adapter asks this, before authenticating, whether a request is for the
// protected resource metadata document (RFC 9728) and writes the answer out
// unchanged: the same bytes on every runtime.
import { resourceMetadataResponse, type ResourceMetadataResponse } from "../resource-metadata.js";
import type { Verifier } from "../verifier.js";

/** The metadata answer for a GET/HEAD of the verifier's metadata path (query ignored); undefined for any other request. */
export function resourceMetadataAnswer(verifier: Verifier, method: string | undefined, path: string | undefined): ResourceMetadataResponse | undefined {
  return resourceMetadataResponse(verifier.resourceMetadata, method, path);
}
