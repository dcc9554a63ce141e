"use server";
// Server actions: they run on the server with the session's access token, which never reaches the browser.
import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { SessionExpiredError } from "@cognito-bearer/bff/next";
import { bff, callApi } from "../lib/bff";

export interface PlaceOrderState {
  message: string;
}

/** Places an order at the orders API, called from here with the server-side token. */
export async function placeOrder(_previous: PlaceOrderState, form: FormData): Promise<PlaceOrderState> {
  try {
    const res = await callApi("/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ item: String(form.get("item") ?? ""), quantity: Number(form.get("quantity") ?? 1) }),
    });
    if (res.status !== 201) return { message: `the API answered ${res.status}` };
    const { order } = (await res.json()) as { order: { id: string; item: string; placedBy: string } };
    revalidatePath("/");
    return { message: `${order.id} placed by ${order.placedBy}: ${order.item}` };
  } catch (err) {
    if (err instanceof SessionExpiredError) return { message: "your session has ended: sign in again" };
    return { message: "the sign-in service is unavailable: try again" };
  }
}

/** Ends the BFF's session (the tokens revoked), then Cognito's: its /logout ends the managed-login session too. */
export async function signOut(): Promise<void> {
  const { logoutUrl } = await bff().signOut();
  redirect(logoutUrl);
}
