/**
 * The notice a candidate reads before the device check, in plain words from the server
 * (`GET /api/consent`, so the wording and its version live in one place), and the agreement
 * that lets the create request carry `consent=true`. Nothing is sent until they agree.
 */

import { useEffect, useId, useState } from "react";
import { ApiError, getConsentNotice } from "../api";
import type { ConsentNotice } from "../generated/contracts";

export function ConsentStep({
  busy,
  onAgree,
  onBack,
}: {
  busy: boolean;
  onAgree: () => void;
  onBack: () => void;
}) {
  const [notice, setNotice] = useState<ConsentNotice | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [agreed, setAgreed] = useState(false);
  const checkboxId = useId();

  useEffect(() => {
    let stopped = false;
    getConsentNotice()
      .then((n) => !stopped && setNotice(n))
      .catch((e: unknown) => !stopped && setProblem(e instanceof ApiError ? e.message : String(e)));
    return () => {
      stopped = true;
    };
  }, []);

  return (
    <section className="card narrow consent" aria-labelledby="consent-title" aria-busy={!notice && !problem}>
      <h1 id="consent-title">Before you start: what is recorded</h1>
      {problem ? (
        <div className="alert error" role="alert">
          The notice could not be loaded ({problem}). Try again in a moment.
        </div>
      ) : null}
      {notice ? (
        <>
          <ul className="consent-items">
            {notice.items.map((item) => (
              <li key={item}>{item}</li>
            ))}
          </ul>
          <label className="choice consent-agree" htmlFor={checkboxId}>
            <input
              id={checkboxId}
              type="checkbox"
              checked={agreed}
              onChange={(e) => setAgreed(e.target.checked)}
            />
            <span className="choice-label">I have read this and agree</span>
            <span className="choice-hint">Notice version {notice.version}</span>
          </label>
        </>
      ) : null}
      <div className="actions">
        <button type="button" className="button subtle" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button
          type="button"
          className="button primary"
          disabled={!agreed || !notice || busy}
          onClick={onAgree}
        >
          {busy ? "Preparing your interview…" : "Agree and continue"}
        </button>
      </div>
    </section>
  );
}
