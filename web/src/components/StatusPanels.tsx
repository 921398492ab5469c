/** The whole-page panels a page shows instead of its content: loading, failed, no session. */

import type { ReactNode } from "react";
import { Link } from "../router";

/** Every failure ends on one of these: what went wrong, and the next step as buttons. */
export function ErrorPanel({
  title,
  message,
  actions,
  detail,
}: {
  title: string;
  message: ReactNode;
  actions: ReactNode;
  detail?: string;
}) {
  return (
    <section className="card narrow error-panel" role="alert" aria-labelledby="error-title">
      <h1 id="error-title">{title}</h1>
      <p>{message}</p>
      {detail ? (
        <details>
          <summary>Technical details</summary>
          <pre>{detail}</pre>
        </details>
      ) : null}
      <div className="actions">{actions}</div>
    </section>
  );
}

/** Shown when a candidate page is opened in a tab that never created an interview. */
export function NoSession() {
  return (
    <section className="card narrow">
      <h1>No interview in this tab</h1>
      <p>
        Interviews are tied to the browser tab they were created in. Start a new one: it only takes a minute.
      </p>
      <Link href="/" className="button primary">
        Set up an interview
      </Link>
    </section>
  );
}

export function Loading({ title, hint }: { title: string; hint?: string }) {
  return (
    <section className="card narrow center" aria-busy="true">
      <h1>{title}</h1>
      <div className="spinner" aria-hidden="true" />
      {hint ? <p className="hint">{hint}</p> : null}
    </section>
  );
}
