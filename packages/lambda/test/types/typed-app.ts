// Compiled, never run: the Lambda wrappers' types with @types/aws-lambda's events.
import type { APIGatewayProxyEventV2, APIGatewayTokenAuthorizerEvent, Context } from "aws-lambda";
import { authFromJwtAuthorizer, httpApiAuthorizer, tokenAuthorizer, withCognitoAuth, type CognitoAuth } from "../../src/index.js";

const options = { userPoolId: "eu-west-1_AbCdEf123", clientId: "client" };

export const handler = withCognitoAuth(options, async (event: APIGatewayProxyEventV2, _context: Context, auth) => {
  const maybe: CognitoAuth | undefined = auth;
  // @ts-expect-error auth may be undefined (preflights, optional)
  const wrong: string = auth.sub;
  return { statusCode: 200, body: JSON.stringify({ path: event.rawPath, sub: maybe?.sub, wrong }) };
});

const authorize = tokenAuthorizer({ ...options, groups: "admin" });
export async function authorizer(event: APIGatewayTokenAuthorizerEvent) {
  const result = await authorize(event);
  const effect: "Allow" | "Deny" = result.policyDocument.Statement[0].Effect;
  return { ...result, effect };
}
export const httpAuthorizer = httpApiAuthorizer(options);
export function reader(event: APIGatewayProxyEventV2) {
  const auth = authFromJwtAuthorizer(event, { groups: "admin" });
  const groups: string[] = auth.groups;
  return groups;
}
