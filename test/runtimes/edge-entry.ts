// The contract app as a Vercel Edge function (service-worker syntax, what
// edge-runtime evaluates); its options come as a global the test defines.
import { handleContractRequest } from "./contract-routes.js";

declare const CONTRACT_OPTIONS: string;

interface FetchEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}

addEventListener("fetch", ((event: FetchEvent) => {
  event.respondWith(handleContractRequest(event.request, CONTRACT_OPTIONS));
}) as unknown as EventListener);
