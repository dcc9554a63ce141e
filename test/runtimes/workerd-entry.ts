// The contract app as a Cloudflare Worker (ES module syntax), for miniflare.
import { handleContractRequest } from "./contract-routes.js";

export default {
  fetch(request: Request, env: { CONTRACT_OPTIONS: string }): Promise<Response> {
    return handleContractRequest(request, env.CONTRACT_OPTIONS);
  },
};
