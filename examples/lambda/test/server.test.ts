// Starts examples/lambda/server.js (handler.js behind a local API Gateway v2)
// as a child process and drives it over HTTP: the shared route table, JWKS
// outages, bad configuration and shutdown.
import { describeExample } from "../../shared/harness";

describeExample("lambda");
