// How the peers are set up, in one place, so that raw verification, the HTTP
// servers and the JWKS tests configure each library the same way.
import { JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";

/**
 * aws-jwt-verify's own fetcher speaks https only; the local issuer serves
 * http. This fetcher does the same job (GET, body as ArrayBuffer) over http.
 */
export const httpFetcher = {
  async fetch(uri) {
    const response = await fetch(uri);
    if (response.status !== 200) throw new Error(`JWKS endpoint answered ${response.status}`);
    return response.arrayBuffer();
  },
};

/**
 * aws-jwt-verify configured as CognitoJwtVerifier would be for this pool
 * (issuer, token_use "access", client_id), but for the local http issuer:
 * CognitoJwtVerifier only knows Cognito's https issuers. The Cognito checks are
 * aws-jwt-verify's own validateCognitoJwtFields, the function CognitoJwtVerifier calls.
 */
export function createAwsVerifier({ issuer, jwksUri, clientId }) {
  return JwtVerifier.create(
    {
      issuer,
      jwksUri,
      audience: null,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: "access", clientId }),
    },
    { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
  );
}
