// A server component: who is signed in (getSession: never a token) and their orders, fetched here on the server
// with the session's access token (getAccessToken). The browser receives HTML, not the token.
import { SessionExpiredError } from "@cognito-bearer/bff/next";
import { signOut } from "./actions";
import { bff, callApi } from "../lib/bff";
import { ProxyOrders } from "./proxy-orders";
import { PlaceOrder } from "./place-order";

export const dynamic = "force-dynamic";

interface Order {
  id: string;
  item: string;
  quantity: number;
}

async function ordersFromServer(): Promise<Order[] | string> {
  try {
    const res = await callApi("/orders");
    if (res.status !== 200) return `the API answered ${res.status}`;
    return ((await res.json()) as { orders: Order[] }).orders;
  } catch (err) {
    // An expired session is not an outage: say which one it is.
    return err instanceof SessionExpiredError ? "your session has ended: sign in again" : "the sign-in service is unavailable: try again";
  }
}

export default async function Home() {
  const session = await bff().getSession();
  if (session === null) {
    return (
      <main>
        <h1>Orders</h1>
        <p data-testid="session">signed out</p>
        <p>
          <a data-testid="sign-in" href="/auth/login">
            Sign in
          </a>
        </p>
      </main>
    );
  }
  const orders = await ordersFromServer();
  return (
    <main>
      <h1>Orders</h1>
      <p data-testid="session">signed in as {session.username ?? session.sub}</p>
      <h2>Rendered on the server</h2>
      {typeof orders === "string" ? (
        <p data-testid="server-orders-error">{orders}</p>
      ) : (
        <ul data-testid="server-orders">
          {orders.map((order) => (
            <li key={order.id}>
              {order.id}: {order.item} × {order.quantity}
            </li>
          ))}
        </ul>
      )}
      <h2>From the browser, through the proxy</h2>
      <ProxyOrders />
      <h2>A server action</h2>
      <PlaceOrder />
      <form action={signOut}>
        <button data-testid="sign-out" type="submit">
          Sign out
        </button>
      </form>
    </main>
  );
}
