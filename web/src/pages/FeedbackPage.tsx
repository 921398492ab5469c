/**
 * "Your feedback": polls the token server until the evaluation is stored, then shows the
 * candidate-facing subset (`CandidateFeedback`: strengths, improvements, the coding note when
 * a problem was shown, learning plan).
 * Recruiter material (scores, recommendation, CV notes) is never sent to this page.
 */

import { type ReactNode, useEffect, useState } from "react";
import { ApiError, type CandidateCredential, deleteMyInterview, getFeedback } from "../api";
import { ErrorPanel } from "../components/StatusPanels";
import type { CandidateFeedback, LearningItem, ReportStatus } from "../generated/contracts";
import { Link } from "../router";
import { profileKey, progressLink } from "../profile";
import { currentInterview } from "../session";

const POLL_MS = 4000;
/** Give up polling after this long and say so (evaluation normally takes a minute). */
const MAX_WAIT_MS = 20 * 60 * 1000;

type View =
  | { kind: "waiting"; status: string }
  | { kind: "never-started" }
  | { kind: "ready"; feedback: CandidateFeedback; reportStatus: ReportStatus | null }
  | { kind: "error"; title: string; message: string };

const practiseAgain = (
  <Link href="/" className="button primary">
    Practise again
  </Link>
);

/** This tab's participant token for the interview, else the browser's profile key: the
 * feedback survives closing the tab. */
function credentialFor(id: string): CandidateCredential | null {
  const session = currentInterview();
  if (session && session.interview_id === id) return { token: session.participant_token };
  const key = profileKey();
  return key ? { profileKey: key } : null;
}

export function FeedbackPage({ id }: { id: string }) {
  const [credential] = useState(() => credentialFor(id));
  const [view, setView] = useState<View>({ kind: "waiting", status: "Checking…" });

  useEffect(() => {
    if (!credential) return;
    let stopped = false;
    let timer = 0;
    const startedAt = Date.now();
    const poll = async (): Promise<void> => {
      try {
        const result = await getFeedback(id, credential);
        if (stopped) return;
        if (result.feedback) {
          setView({ kind: "ready", feedback: result.feedback, reportStatus: result.report_status });
          return;
        }
        if (result.status === "abandoned") {
          setView({ kind: "never-started" });
          return;
        }
        if (result.status === "failed" && result.failure_reason === "the candidate never spoke") {
          setView({
            kind: "error",
            title: "We did not hear you in this interview",
            message:
              "The interviewer heard no answers, so there is nothing to give feedback on. Check your microphone on the next page and practise again.",
          });
          return;
        }
        if (result.status === "failed") {
          setView({
            kind: "error",
            title: "We could not evaluate this interview",
            message:
              "Something went wrong on our side while preparing your feedback. We are sorry — please practise again.",
          });
          return;
        }
        setView({
          kind: "waiting",
          status:
            result.status === "live" || result.status === "created" || result.status === "preparing"
              ? "Your interview is still wrapping up…"
              : "Your answers are being reviewed. This usually takes a minute or two.",
        });
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && (e.isAuth || e.status === 404)) {
          setView({
            kind: "error",
            title: e.status === 404 ? "Interview not found" : "Feedback link not accepted",
            message: e.status === 404 ? "This interview no longer exists." : e.message,
          });
          return;
        }
        setView({ kind: "waiting", status: "Could not reach the server; retrying…" });
      }
      if (Date.now() - startedAt > MAX_WAIT_MS) {
        setView({
          kind: "waiting",
          status: "This is taking longer than usual. Reload the page later to check again.",
        });
        return;
      }
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [id, credential]);

  if (!credential) {
    return (
      <ErrorPanel
        title="Feedback is only available in the browser you used"
        message="For your privacy, feedback opens only in the browser in which you took the interview, or from your progress link."
        actions={practiseAgain}
      />
    );
  }
  switch (view.kind) {
    case "never-started":
      return (
        <ErrorPanel
          title="This interview never started"
          message="Nobody joined the interview before its link expired, so there is no recording and no feedback. Set up a new one when you are ready."
          actions={
            <>
              <DeleteMyInterview id={id} credential={credential} />
              {practiseAgain}
            </>
          }
        />
      );
    case "error":
      return <ErrorPanel title={view.title} message={view.message} actions={practiseAgain} />;
    case "waiting":
      return (
        <section className="card narrow center" aria-busy="true">
          <h1>Preparing your feedback</h1>
          <div className="spinner" aria-hidden="true" />
          <p className="hint" id="feedback-status" aria-live="polite">
            {view.status}
          </p>
          <p className="hint">You can keep this tab open; it updates by itself.</p>
        </section>
      );
    case "ready":
      return (
        <Feedback
          feedback={view.feedback}
          reportStatus={view.reportStatus}
          extra={<DeleteMyInterview id={id} credential={credential} />}
        />
      );
  }
}

function Feedback({
  feedback,
  reportStatus,
  extra,
}: {
  feedback: CandidateFeedback;
  reportStatus: ReportStatus | null;
  extra: ReactNode;
}) {
  const lacking =
    reportStatus === "evaluation_failed"
      ? "We could not produce detailed feedback for this session. Sorry about that — please try another practice interview."
      : reportStatus === "insufficient_signal"
        ? "The session was too short for detailed feedback."
        : null;
  return (
    <article className="card feedback" aria-labelledby="fb-title">
      <h1 id="fb-title">Your feedback</h1>
      {lacking ? <div className="alert info">{lacking}</div> : null}
      <ListSection title="What went well" id="fb-strengths" items={feedback.strengths} />
      <ListSection title="What to work on" id="fb-improvements" items={feedback.improvements} />
      {feedback.coding_note ? (
        <section className="report-list" aria-labelledby="fb-coding">
          <h2 id="fb-coding">Your coding</h2>
          <p id="fb-coding-note">{feedback.coding_note}</p>
        </section>
      ) : null}
      <section className="report-list" aria-labelledby="fb-plan">
        <h2 id="fb-plan">Your learning plan</h2>
        {feedback.learning_plan.length ? (
          <ul>
            {feedback.learning_plan.map((item: LearningItem) => (
              <li key={item.topic}>
                <strong>{item.topic}</strong>
                {item.why ? <span className="detail"> — {item.why}</span> : null}
                {item.actions.length ? (
                  <ul className="extra">
                    {item.actions.map((a) => (
                      <li key={a}>{a}</li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="hint">No learning plan this time.</p>
        )}
      </section>
      <p className="hint">
        This feedback was generated by an AI from your interview. Use it as practice advice, not as a verdict.
      </p>
      <ProgressLinkNote />
      <div className="actions">
        {extra}
        <Link href="/progress" className="button">
          Your progress
        </Link>
        {practiseAgain}
      </div>
    </article>
  );
}

function ListSection({ title, id, items }: { title: string; id: string; items: string[] }) {
  return (
    <section className="report-list" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {items.length ? (
        <ul>
          {items.map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      ) : (
        <p className="hint">None this time.</p>
      )}
    </section>
  );
}

/** "Delete my interview": the candidate's own credential, after an explicit confirmation. */
function DeleteMyInterview({ id, credential }: { id: string; credential: CandidateCredential }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [state, setState] = useState<{ done: boolean; error: string | null }>({ done: false, error: null });

  const remove = async (): Promise<void> => {
    setBusy(true);
    try {
      await deleteMyInterview(id, credential);
      setState({ done: true, error: null });
    } catch (e) {
      setState({ done: false, error: e instanceof ApiError ? e.message : String(e) });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  if (state.done) {
    return (
      <p className="alert info" role="status" id="deleted-note">
        Your interview, its recording, transcript and feedback were deleted.
      </p>
    );
  }
  return (
    <div className="delete-mine">
      {state.error ? (
        <p className="alert error" role="alert">
          {state.error}
        </p>
      ) : null}
      {confirming ? (
        <div role="group" aria-label="Confirm deletion" className="confirm">
          <p>Delete the recording, transcript and feedback of this interview for good?</p>
          <button type="button" className="button danger" disabled={busy} onClick={() => void remove()}>
            {busy ? "Deleting…" : "Yes, delete it"}
          </button>
          <button
            type="button"
            className="button subtle"
            disabled={busy}
            onClick={() => setConfirming(false)}
          >
            Keep it
          </button>
        </div>
      ) : (
        <button type="button" className="button subtle" onClick={() => setConfirming(true)}>
          Delete my interview
        </button>
      )}
    </div>
  );
}

/** The progress link to keep: the profile key in the fragment, never sent to a server. */
function ProgressLinkNote() {
  const key = profileKey();
  if (!key) return null;
  return (
    <p className="hint progress-link">
      Keep this link to see your progress from any browser (it is private, like a password):{" "}
      <a href={progressLink(key)} id="progress-link">
        your progress
      </a>
    </p>
  );
}
