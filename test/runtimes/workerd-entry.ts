// The contract app as a Cloudflare Worker (ES module syntax), for miniflare.
import { handleContractRequest, type ContractEnv } from "./contract-routes.js";

export default {
  fetch(request: Request, env: ContractEnv): Promise<Response> {
    return handleContractRequest(request, env);
  },
};
