// The contract app as a Vercel Edge function (service-worker syntax, what
// edge-runtime evaluates); its options come as globals the test defines.
import { handleContractRequest } from "./contract-routes.js";

declare const CONTRACT_OPTIONS: string;
declare const CONTRACT_METADATA_OPTIONS: string;

interface FetchEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}

declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;

addEventListener("fetch", (event) => {
  event.respondWith(handleContractRequest(event.request, { CONTRACT_OPTIONS, CONTRACT_METADATA_OPTIONS }));
});
