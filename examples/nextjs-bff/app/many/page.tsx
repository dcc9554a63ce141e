// Ten server components rendered at once, each asking for the access token and calling the API: the BFF refreshes
// an expiring token once for all of them (one refresh per session), not once per component.
import { SessionExpiredError } from "@cognito-bearer/bff/next";
import { callApi } from "../../lib/bff";

export const dynamic = "force-dynamic";

async function WhoAmI({ index }: { index: number }) {
  try {
    const res = await callApi("/me");
    const me = res.status === 200 ? ((await res.json()) as { username: string | null }) : undefined;
    return (
      <li data-testid="who">
        #{index}: {me ? `${me.username} (200)` : `the API answered ${res.status}`}
      </li>
    );
  } catch (err) {
    return <li data-testid="who">#{index}: {err instanceof SessionExpiredError ? "signed out" : "unavailable"}</li>;
  }
}

export default function Many() {
  return (
    <main>
      <h1>Ten server components</h1>
      <ul>
        {Array.from({ length: 10 }, (_, index) => (
          <WhoAmI key={index} index={index + 1} />
        ))}
      </ul>
    </main>
  );
}
