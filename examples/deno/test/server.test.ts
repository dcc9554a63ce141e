// Starts examples/deno/server.js on Deno (the pinned npm binary) as a child
// process and drives it over HTTP: the shared route table, JWKS outages, bad
// configuration and shutdown.
import { describeExample } from "../../shared/harness";

describeExample("deno");
