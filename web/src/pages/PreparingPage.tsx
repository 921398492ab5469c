/**
 * "Preparing your interview": between the form and the device check while the token server
 * writes the interview plan in the background (the record is `preparing`). It polls the
 * candidate's own status endpoint (`GET /api/interviews/{id}/feedback`, same participant
 * token) until the interview is `created`, with a progress bar over the planner's deadline
 * (`ready_within_s`), then moves on to the device check.
 *
 * Whether the plan came from the question bank rather than from Gemini reading the job and
 * the CV is said on the device check (`PlanNotice`), where every path to the room passes.
 */

import { useEffect, useState } from "react";
import { ApiError, getFeedback } from "../api";
import { ErrorPanel, NoSession } from "../components/StatusPanels";
import { Link, navigate } from "../router";
import { currentInterview } from "../session";

const POLL_MS = 1500;
const TICK_MS = 250;
/** Used when the server did not say how long planning may take. */
const DEFAULT_READY_WITHIN_S = 25;
/** After the deadline plus this, the candidate may go on without waiting. */
const OVERTIME_S = 10;

type View = { kind: "preparing"; note: string | null } | { kind: "error"; title: string; message: string };

const newInterview = (
  <Link href="/" className="button primary">
    Set up a new interview
  </Link>
);

export function PreparingPage() {
  const [session] = useState(currentInterview);
  const [view, setView] = useState<View>({ kind: "preparing", note: null });
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (!session) return;
    const credential = { token: session.participant_token };
    let stopped = false;
    let timer = 0;
    const poll = async (): Promise<void> => {
      try {
        const result = await getFeedback(session.interview_id, credential);
        if (stopped) return;
        if (result.status === "failed" || result.status === "abandoned") {
          setView({
            kind: "error",
            title: "This interview could not be prepared",
            message:
              result.status === "abandoned"
                ? "Its link expired before the interview started. Set up a new one when you are ready."
                : "Something went wrong on our side. We are sorry — please set up a new interview.",
          });
          return;
        }
        if (result.status !== "preparing") {
          navigate("/check", { replace: true }); // which says if the plan is the bank's
          return;
        }
        setView({ kind: "preparing", note: null });
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && (e.isAuth || e.status === 404)) {
          setView({
            kind: "error",
            title: e.status === 404 ? "Interview not found" : "This interview link is not valid",
            message: e.status === 404 ? "This interview no longer exists." : e.message,
          });
          return;
        }
        setView({ kind: "preparing", note: "Could not reach the server; retrying…" });
      }
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    const ticker = window.setInterval(() => setNow(Date.now()), TICK_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      window.clearInterval(ticker);
    };
  }, [session]);

  if (!session) return <NoSession />;

  switch (view.kind) {
    case "error":
      return <ErrorPanel title={view.title} message={view.message} actions={newInterview} />;
    case "preparing": {
      const budgetS = session.ready_within_s ?? DEFAULT_READY_WITHIN_S;
      const elapsedS = Math.max(0, (now - session.created_at) / 1000);
      // never shows 100% before the server says it is ready
      const percent = Math.min(95, Math.round((elapsedS / budgetS) * 100));
      const overtime = elapsedS > budgetS + OVERTIME_S;
      return (
        <section className="card narrow" aria-labelledby="preparing-title">
          <h1 id="preparing-title">Preparing your interview</h1>
          <p className="lead">
            We are reading the role, the job description and your CV, and choosing the questions for each part
            of the interview.
          </p>
          <progress
            className="prep-progress"
            id="prep-progress"
            max={100}
            value={percent}
            aria-label="Interview preparation"
          />
          <p className="hint" id="prep-status" aria-live="polite">
            {view.note ??
              (overtime
                ? "This is taking longer than usual. You can check your camera and microphone meanwhile; the interviewer waits for the plan."
                : `Usually ready within ${Math.ceil(budgetS)} seconds.`)}
          </p>
          {overtime ? (
            <div className="actions">
              <button type="button" className="button" onClick={() => navigate("/check")}>
                Continue to device check
              </button>
            </div>
          ) : null}
        </section>
      );
    }
  }
}
