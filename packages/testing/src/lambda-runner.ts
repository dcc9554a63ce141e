// A local stand-in for API Gateway (HTTP API, payload format 2.0) in front of
// a Lambda proxy handler: each HTTP request becomes a v2 event, the handler's
// result becomes the response. For tests and demos of Lambda handlers on a
// plain node:http server; no AWS involved.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

export interface LambdaResult {
  statusCode?: number | undefined;
  headers?: Record<string, string | number | boolean> | undefined;
  cookies?: string[] | undefined;
  body?: string | undefined;
  isBase64Encoded?: boolean;
}

export type LambdaProxyHandler = (event: Record<string, unknown>, context: Record<string, unknown>) => Promise<LambdaResult | string | object> | LambdaResult | string | object;

/** A request listener that invokes `handler` with an API Gateway v2 event per request. */
export function createLambdaListener(handler: LambdaProxyHandler, { stage = "$default" }: { stage?: string } = {}): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      invoke(handler, toEvent(req, Buffer.concat(chunks), stage)).then(
        (result) => write(res, result),
        () => write(res, { statusCode: 500, headers: { "content-type": "application/json" }, body: '{"message":"Internal Server Error"}' }),
      );
    });
  };
}

function toEvent(req: IncomingMessage, body: Buffer, stage: string): Record<string, unknown> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  // As API Gateway v2 does: lower-case names, repeated headers joined with commas, cookies apart.
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    if (name === "cookie") cookies.push(...value.split(/;\s*/));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      http: { method: req.method ?? "GET", path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? "", userAgent: headers["user-agent"] ?? "" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage,
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: body.toString("base64"), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

async function invoke(handler: LambdaProxyHandler, event: Record<string, unknown>): Promise<LambdaResult> {
  const result = await handler(event, { awsRequestId: (event.requestContext as { requestId: string }).requestId, functionName: "local" });
  // Payload 2.0: a result without statusCode is a 200 JSON body.
  if (typeof result === "string") return { statusCode: 200, headers: { "content-type": "application/json" }, body: result };
  if (typeof (result as LambdaResult).statusCode !== "number") return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(result) };
  return result as LambdaResult;
}

function write(res: ServerResponse, result: LambdaResult): void {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8");
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies?.length) res.setHeader("set-cookie", result.cookies);
  res.setHeader("content-length", body.length);
  res.statusCode = result.statusCode ?? 200;
  res.end(body);
}
