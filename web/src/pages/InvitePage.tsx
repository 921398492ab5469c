/**
 * An invitation link (`/invite/<token>`): the interview a recruiter prepared, its fields
 * shown locked (the server takes them from the template whatever the form says), an optional
 * CV, then the consent notice and the device check. The token is the candidate's only
 * credential here; it is sent to the API in the path and never logged with query strings.
 */

import { type FormEvent, useEffect, useState } from "react";
import { ApiError, createInterview, getInvitation } from "../api";
import { ConsentStep } from "../components/ConsentStep";
import { ErrorPanel, Loading } from "../components/StatusPanels";
import { formatBytes } from "../format";
import type { InvitationView } from "../generated/contracts";
import { Link, navigate } from "../router";
import { saveInterview } from "../session";

const MAX_CV_BYTES = 5 * 1024 * 1024;

type State =
  | { kind: "loading" }
  | { kind: "failed"; title: string; message: string }
  | { kind: "ready"; invitation: InvitationView };

export function InvitePage({ token }: { token: string }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [name, setName] = useState("");
  const [cv, setCv] = useState<File | null>(null);
  const [problem, setProblem] = useState<{ field: string | null; message: string } | null>(null);
  const [pending, setPending] = useState<FormData | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let stopped = false;
    getInvitation(token)
      .then((invitation) => !stopped && setState({ kind: "ready", invitation }))
      .catch((e: unknown) => {
        if (stopped) return;
        const err = e instanceof ApiError ? e : new ApiError(0, String(e));
        setState({
          kind: "failed",
          title: err.status === 410 ? "This invitation can no longer be used" : "Invitation not found",
          message: err.message,
        });
      });
    return () => {
      stopped = true;
    };
  }, [token]);

  if (state.kind === "loading") return <Loading title="Opening your invitation…" />;
  if (state.kind === "failed") {
    return (
      <ErrorPanel
        title={state.title}
        message={state.message}
        actions={
          <Link href="/" className="button">
            Home
          </Link>
        }
      />
    );
  }
  const invitation = state.invitation;

  const chooseFile = (file: File | null): void => {
    setProblem(null);
    if (file && (file.size > MAX_CV_BYTES || !/\.(pdf|docx)$/i.test(file.name))) {
      setProblem({ field: "cv", message: "Upload your CV as a PDF or Word (.docx) file up to 5 MB." });
      setCv(null);
      return;
    }
    setCv(file);
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const data = new FormData();
    data.set("invitation", token);
    if (!invitation.candidate_name && name.trim()) data.set("candidate_name", name.trim());
    if (cv) data.set("cv", cv, cv.name);
    setPending(data);
  };

  const send = async (data: FormData): Promise<void> => {
    data.set("consent", "true");
    setBusy(true);
    try {
      const created = saveInterview(await createInterview(data));
      // a plan still being written: its progress page continues to the device check
      navigate(created.status === "preparing" ? "/preparing" : "/check");
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, String(e));
      setPending(null);
      setProblem({ field: err.field, message: err.message });
    } finally {
      setBusy(false);
    }
  };

  if (pending) {
    return <ConsentStep busy={busy} onAgree={() => void send(pending)} onBack={() => setPending(null)} />;
  }

  const locked: [string, string, string][] = [
    ["inv-role", "Role", invitation.role],
    ["inv-level", "Level", invitation.level],
    ["inv-type", "Interview type", invitation.interview_type.replace("_", " ")],
    ["inv-duration", "Length", `${invitation.duration_minutes} minutes`],
    ["inv-language", "Language", invitation.language],
  ];
  return (
    <form className="card form" aria-labelledby="invite-title" onSubmit={submit} noValidate>
      <h1 id="invite-title">You are invited to an interview</h1>
      <p className="lead">
        {invitation.candidate_name ? `Welcome, ${invitation.candidate_name}. ` : ""}
        The recruiter prepared this interview; its details cannot be changed. The link works once and until{" "}
        {new Date(invitation.expires_at).toLocaleString()}.
      </p>
      {problem && problem.field !== "cv" ? (
        <div className="alert error" role="alert">
          {problem.message}
        </div>
      ) : null}
      {locked.map(([id, label, value]) => (
        <div className="field" key={id}>
          <label htmlFor={id}>{label}</label>
          <input id={id} type="text" value={value} readOnly aria-readonly="true" className="locked" />
        </div>
      ))}
      {invitation.job_description ? (
        <div className="field">
          <label htmlFor="inv-jd">Job description</label>
          <textarea
            id="inv-jd"
            rows={5}
            value={invitation.job_description}
            readOnly
            aria-readonly="true"
            className="locked"
          />
        </div>
      ) : null}
      {invitation.question_count ? (
        <p className="hint">
          The interviewer will also ask {invitation.question_count} questions the recruiter prepared.
        </p>
      ) : null}
      {invitation.candidate_name ? null : (
        <div className="field">
          <label htmlFor="inv-name">
            Your name <span className="opt">(optional)</span>
          </label>
          <input
            id="inv-name"
            type="text"
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor="inv-cv">
          CV <span className="opt">(optional, PDF or DOCX up to 5 MB)</span>
        </label>
        <input
          id="inv-cv"
          type="file"
          accept=".pdf,.docx"
          aria-describedby="inv-cv-error"
          aria-invalid={problem?.field === "cv" ? true : undefined}
          onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
        />
        {cv ? <p className="hint">{`${cv.name} (${formatBytes(cv.size)})`}</p> : null}
        {problem?.field === "cv" ? (
          <p className="field-error" id="inv-cv-error">
            {problem.message}
          </p>
        ) : null}
      </div>
      <div className="actions">
        <button type="submit" className="button primary">
          Continue
        </button>
      </div>
    </form>
  );
}
