// Starts examples/bun/server.js on Bun (the pinned npm binary) as a child
// process and drives it over HTTP: the shared route table, JWKS outages, bad
// configuration and shutdown.
import { describeExample } from "../../shared/harness";

describeExample("bun");
