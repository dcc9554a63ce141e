"use client";
// A client component: calls /api/orders through the BFF's proxy with createAuthFetch in proxy mode. No token is
// fetched or sent; the session cookie (HttpOnly) goes along, and the anti-CSRF header on state-changing methods.
import { createAuthFetch, SessionExpiredError } from "@cognito-bearer/client";
import { useRef, useState } from "react";

type AuthFetch = ReturnType<typeof createAuthFetch>;

export function ProxyOrders() {
  // Made in the browser on first use: this module also renders on the server, where there is no page origin.
  const api = useRef<AuthFetch | null>(null);
  const [result, setResult] = useState<string>("not loaded");

  async function load() {
    api.current ??= createAuthFetch({ mode: "proxy" });
    try {
      const res = await api.current("/api/orders");
      if (res.status !== 200) return setResult(`GET /api/orders → ${res.status}`);
      const { orders } = (await res.json()) as { orders: { id: string }[] };
      setResult(`GET /api/orders → 200: ${orders.map((order) => order.id).join(", ")}`);
    } catch (err) {
      setResult(err instanceof SessionExpiredError ? "session ended: sign in again" : "unavailable: try again");
    }
  }

  return (
    <p>
      <button data-testid="load-proxy-orders" type="button" onClick={load}>
        Load orders through /api/orders
      </button>{" "}
      <output data-testid="proxy-orders">{result}</output>
    </p>
  );
}
