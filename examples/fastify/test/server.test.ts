// Starts examples/fastify/server.js as a child process and drives it over HTTP:
// the shared route table, JWKS outages, bad configuration and shutdown.
import { describeExample } from "../../shared/harness";

describeExample("fastify");
