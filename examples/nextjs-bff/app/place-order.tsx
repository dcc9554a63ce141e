"use client";
// The form of the placeOrder server action (app/actions.ts): what comes back is the action's message, never a token.
import { useActionState } from "react";
import { placeOrder } from "./actions";

export function PlaceOrder() {
  const [state, action, pending] = useActionState(placeOrder, { message: "" });
  return (
    <form action={action}>
      <input name="item" defaultValue="Espresso cups" aria-label="item" /> <input name="quantity" type="number" defaultValue={6} min={1} aria-label="quantity" />{" "}
      <button data-testid="place-order" type="submit" disabled={pending}>
        Place the order (server action)
      </button>{" "}
      <output data-testid="placed">{state.message}</output>
    </form>
  );
}
