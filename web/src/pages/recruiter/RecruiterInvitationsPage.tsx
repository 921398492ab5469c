/**
 * Recruiters: interview templates (role, type, level, language, length, job description, up to
 * ten own questions with hidden ideal answers, a deadline), single-use invitation links made
 * from them with each link's status, interviews grouped by candidate, and exports of reports.
 * An invitation's link is shown once, when it is made: only its hash is stored. A link not yet
 * used (sent or opened) can be revoked after a confirmation; its candidate is then told it was
 * withdrawn.
 */

import { type FormEvent, useCallback, useEffect, useState } from "react";
import {
  createInvitation,
  createTemplate,
  exportLink,
  listCandidates,
  listInvitations,
  listTemplates,
  revokeInvitation,
} from "../../api";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog";
import { toast } from "../../components/Toast";
import { errorText, formatDate, humanize } from "../../format";
import {
  type CandidateGroup,
  type CreatedInvitation,
  type InterviewTemplate,
  type InterviewType,
  InterviewTypeValues,
  type Invitation,
  type InvitationStatus,
  type Level,
  LevelValues,
  type TemplateBody,
} from "../../generated/contracts";
import { Link } from "../../router";
import { type RecruiterAuth, RecruiterGate } from "./RecruiterAuth";
import { ManagementHeading } from "./ManagementHeading";

const MAX_QUESTIONS = 10;

/** The statuses the server lets a recruiter revoke (a used link has an interview). */
const REVOCABLE: readonly InvitationStatus[] = ["sent", "opened"];

function invitee(inv: Invitation): string {
  return inv.candidate_name ?? inv.candidate_email ?? "the candidate";
}

export function RecruiterInvitationsPage() {
  return <RecruiterGate>{(auth) => <Invitations auth={auth} />}</RecruiterGate>;
}

interface QuestionDraft {
  text: string;
  ideal_answer: string;
}

function Invitations({ auth }: { auth: RecruiterAuth }) {
  const { token, handleAuthError } = auth;
  const [templates, setTemplates] = useState<InterviewTemplate[]>([]);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [groups, setGroups] = useState<CandidateGroup[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      const [t, i, g] = await Promise.all([
        listTemplates(token),
        listInvitations(token),
        listCandidates(token),
      ]);
      setTemplates(t.items);
      setInvitations(i.items);
      setGroups(g.items);
      setProblem(null);
    } catch (e) {
      if (!handleAuthError(e)) setProblem(errorText(e));
    }
  }, [token, handleAuthError]);

  useEffect(() => {
    void load();
  }, [load]);

  const invite = async (templateId: string, name: string, email: string): Promise<void> => {
    try {
      setCreated(
        await createInvitation(token, templateId, {
          ...(name.trim() ? { candidate_name: name.trim() } : {}),
          ...(email.trim() ? { candidate_email: email.trim() } : {}),
        }),
      );
      await load();
    } catch (e) {
      if (!handleAuthError(e)) setProblem(errorText(e));
    }
  };

  const download = async (format: "csv" | "json"): Promise<void> => {
    try {
      window.location.assign(await exportLink(token, format, "evaluated"));
    } catch (e) {
      if (!handleAuthError(e)) setProblem(errorText(e));
    }
  };

  return (
    <>
      <section className="card wide" aria-labelledby="inv-title">
        <ManagementHeading id="inv-title" title="Invitations" problem={problem} />
        {created ? (
          <div className="alert info" role="status" id="new-invitation">
            Invitation link for {created.candidate_name ?? created.candidate_email ?? "the candidate"} (shown
            once, copy it now):{" "}
            <code id="new-invitation-url">{new URL(created.url, location.origin).toString()}</code>
          </div>
        ) : null}
        <div className="table-wrap">
          <table id="invitations">
            <thead>
              <tr>
                <th scope="col">Candidate</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Sent</th>
                <th scope="col">Expires</th>
                <th scope="col">Interview</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.length ? (
                invitations.map((inv) => (
                  <tr key={inv.id}>
                    <td>{inv.candidate_name ?? inv.candidate_email ?? "—"}</td>
                    <td>{inv.role}</td>
                    <td>
                      <span className={`badge status-${inv.status}`}>{humanize(inv.status)}</span>
                    </td>
                    <td>{formatDate(inv.created_at)}</td>
                    <td>{formatDate(inv.expires_at)}</td>
                    <td>
                      {inv.interview_id ? (
                        <Link href={`/recruiter/interviews/${inv.interview_id}`}>Open</Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>
                      {REVOCABLE.includes(inv.status) ? (
                        <button
                          type="button"
                          className="button subtle"
                          aria-label={`Revoke the invitation for ${invitee(inv)}`}
                          onClick={() => setRevoking(inv)}
                        >
                          Revoke
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))
              ) : (
                <tr>
                  <td colSpan={7} className="empty">
                    No invitations yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <RevokeDialog
          invitation={revoking}
          auth={auth}
          onClose={() => setRevoking(null)}
          onRevoked={async () => {
            setRevoking(null);
            toast("Invitation revoked: the link no longer works.");
            await load();
          }}
        />
      </section>
      <section className="card wide" aria-labelledby="templates-title">
        <h2 id="templates-title">Templates</h2>
        {templates.map((t) => (
          <TemplateRow key={t.id} template={t} onInvite={invite} />
        ))}
        <TemplateForm
          token={token}
          onCreated={load}
          onError={(e) => !handleAuthError(e) && setProblem(errorText(e))}
        />
      </section>
      <section className="card wide" aria-labelledby="groups-title">
        <h2 id="groups-title">Candidates</h2>
        <p className="hint">Interviews linked by a candidate's progress profile or invitation.</p>
        <ul id="candidate-groups">
          {groups.map((g) => (
            <li key={g.key}>
              <strong>{g.label || "Candidate"}</strong>:{" "}
              {g.interviews.map((i, n) => (
                <span key={i.id}>
                  {n ? ", " : ""}
                  <Link href={`/recruiter/interviews/${i.id}`}>
                    {i.role} ({formatDate(i.created_at)})
                  </Link>
                </span>
              ))}
            </li>
          ))}
        </ul>
        <div className="actions">
          <button type="button" className="button" onClick={() => void download("csv")}>
            Export evaluated reports (CSV)
          </button>
          <button type="button" className="button" onClick={() => void download("json")}>
            Export evaluated reports (JSON)
          </button>
        </div>
      </section>
    </>
  );
}

/** The confirmation before a link is withdrawn (native `<dialog>`: focus trap, Escape). */
function RevokeDialog({
  invitation,
  auth,
  onClose,
  onRevoked,
}: {
  invitation: Invitation | null;
  auth: RecruiterAuth;
  onClose: () => void;
  onRevoked: () => Promise<void>;
}) {
  const confirmation = useConfirmation(invitation, { ...auth, failure: "Could not revoke" });
  const confirm = () =>
    confirmation.run(async (target) => {
      await revokeInvitation(auth.token, target.id);
      await onRevoked();
    });

  return (
    <ConfirmDialog
      confirmation={confirmation}
      name="revoke"
      title="Revoke this invitation?"
      confirmLabel="Revoke invitation"
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        The link sent to {invitation ? invitee(invitation) : "the candidate"} for{" "}
        {invitation?.role ?? "this role"} stops working: opening it says the invitation was withdrawn. This
        cannot be undone; create a new link if you change your mind.
      </p>
    </ConfirmDialog>
  );
}

function TemplateRow({
  template,
  onInvite,
}: {
  template: InterviewTemplate;
  onInvite: (templateId: string, name: string, email: string) => Promise<void>;
}) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    void onInvite(template.id, name, email).then(() => {
      setName("");
      setEmail("");
    });
  };
  const id = template.id.slice(0, 8);
  return (
    <form className="template-row" onSubmit={submit} aria-label={`Invite to ${template.role}`}>
      <p>
        <strong>{template.role}</strong> · {humanize(template.interview_type)} · {template.level} ·{" "}
        {template.duration_minutes} min · {template.questions.length} own questions
        {template.deadline ? ` · until ${formatDate(template.deadline)}` : ""}
      </p>
      <label htmlFor={`inv-name-${id}`}>Candidate name</label>
      <input id={`inv-name-${id}`} value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor={`inv-email-${id}`}>Candidate email</label>
      <input id={`inv-email-${id}`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      <button type="submit" className="button primary">
        Create invitation link
      </button>
    </form>
  );
}

function TemplateForm({
  token,
  onCreated,
  onError,
}: {
  token: string;
  onCreated: () => Promise<void>;
  onError: (e: unknown) => void;
}) {
  const [role, setRole] = useState("");
  const [level, setLevel] = useState<Level>("intermediate");
  const [type, setType] = useState<InterviewType>("mixed");
  const [duration, setDuration] = useState(30);
  const [jd, setJd] = useState("");
  const [deadline, setDeadline] = useState("");
  const [questions, setQuestions] = useState<QuestionDraft[]>([]);

  const setQuestion = (index: number, change: Partial<QuestionDraft>): void =>
    setQuestions((qs) => qs.map((q, i) => (i === index ? { ...q, ...change } : q)));

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const body: TemplateBody = {
      role: role.trim(),
      level,
      interview_type: type,
      language: "en",
      duration_minutes: duration,
      job_description: jd.trim() || null,
      questions: questions
        .filter((q) => q.text.trim())
        .slice(0, MAX_QUESTIONS)
        .map((q) => ({
          text: q.text.trim(),
          ideal_answer: q.ideal_answer.trim() || null,
        })) as TemplateBody["questions"],
      deadline: deadline ? new Date(deadline).toISOString() : null,
    };
    try {
      await createTemplate(token, body);
      setRole("");
      setJd("");
      setQuestions([]);
      await onCreated();
    } catch (e) {
      onError(e);
    }
  };

  return (
    <form className="template-form" onSubmit={(e) => void submit(e)} aria-labelledby="new-template-title">
      <h3 id="new-template-title">New template</h3>
      <div className="field">
        <label htmlFor="tpl-role">Role</label>
        <input id="tpl-role" value={role} required onChange={(e) => setRole(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="tpl-level">Level</label>
        <select id="tpl-level" value={level} onChange={(e) => setLevel(e.target.value as Level)}>
          {LevelValues.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tpl-type">Interview type</label>
        <select id="tpl-type" value={type} onChange={(e) => setType(e.target.value as InterviewType)}>
          {InterviewTypeValues.map((t) => (
            <option key={t} value={t}>
              {humanize(t)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tpl-duration">Length (minutes)</label>
        <select id="tpl-duration" value={duration} onChange={(e) => setDuration(Number(e.target.value))}>
          {[15, 30, 45, 60].map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tpl-jd">Job description</label>
        <textarea id="tpl-jd" rows={4} value={jd} onChange={(e) => setJd(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="tpl-deadline">Deadline</label>
        <input
          id="tpl-deadline"
          type="datetime-local"
          value={deadline}
          onChange={(e) => setDeadline(e.target.value)}
        />
      </div>
      <fieldset className="field">
        <legend>Your questions (asked in order; the ideal answer is never shown to the candidate)</legend>
        {questions.map((q, i) => (
          <div key={i} className="question-draft">
            <label htmlFor={`tpl-q-${i}`}>Question {i + 1}</label>
            <input
              id={`tpl-q-${i}`}
              value={q.text}
              onChange={(e) => setQuestion(i, { text: e.target.value })}
            />
            <label htmlFor={`tpl-a-${i}`}>Ideal answer (hidden, for scoring)</label>
            <textarea
              id={`tpl-a-${i}`}
              rows={2}
              value={q.ideal_answer}
              onChange={(e) => setQuestion(i, { ideal_answer: e.target.value })}
            />
          </div>
        ))}
        {questions.length < MAX_QUESTIONS ? (
          <button
            type="button"
            className="button subtle"
            onClick={() => setQuestions((qs) => [...qs, { text: "", ideal_answer: "" }])}
          >
            Add a question
          </button>
        ) : null}
      </fieldset>
      <div className="actions">
        <button type="submit" className="button primary">
          Save template
        </button>
      </div>
    </form>
  );
}
