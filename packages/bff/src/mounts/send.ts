// Writes a token handler response on a node:http response (Express's and Koa's are one underneath).
import type { ServerResponse } from "node:http";
import type { TokenHandlerResponse } from "../http.js";

export function send(res: ServerResponse, answer: TokenHandlerResponse): void {
  if (res.headersSent) return void res.destroy();
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader("content-length", Buffer.byteLength(answer.body));
  res.end(answer.body);
}
