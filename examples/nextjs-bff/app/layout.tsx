import type { ReactNode } from "react";

export const metadata = { title: "cognito-bearer: Next.js, the full BFF" };

// Plain <a> links, not next/link: a prefetch would render a page (and ask for a token) the user never opened.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", maxWidth: 720, margin: "2rem auto", lineHeight: 1.5 }}>
        <nav>
          <a href="/">Home</a> · <a href="/many">Ten server components</a>
        </nav>
        {children}
      </body>
    </html>
  );
}
