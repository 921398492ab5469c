/** Recruiters' list of interviews: filter by status (server side), search and "flagged only" (here). */

import { useCallback, useEffect, useState } from "react";
import { listInterviews } from "../../api";
import { errorText, formatDate, formatDuration, formatUsd, humanize } from "../../format";
import {
  type InterviewStatus,
  InterviewStatusValues,
  type InterviewSummary,
} from "../../generated/contracts";
import { Link } from "../../router";
import { RecruiterAccountLinks } from "./RecruiterAccountLinks";
import { type RecruiterAuth, RecruiterGate } from "./RecruiterAuth";

const PAGE = 100;

export function RecruiterListPage() {
  return <RecruiterGate>{(auth) => <InterviewList auth={auth} />}</RecruiterGate>;
}

function statusFromUrl(): InterviewStatus | "" {
  const raw = new URLSearchParams(location.search).get("status") ?? "";
  return (InterviewStatusValues as readonly string[]).includes(raw) ? (raw as InterviewStatus) : "";
}

function InterviewList({ auth }: { auth: RecruiterAuth }) {
  const { token, signOut, handleAuthError } = auth;
  const [status, setStatus] = useState<InterviewStatus | "">(statusFromUrl);
  const [items, setItems] = useState<InterviewSummary[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [flaggedOnly, setFlaggedOnly] = useState(false);

  const load = useCallback(
    async (offset: number): Promise<void> => {
      try {
        const page = await listInterviews(token, { status: status || undefined, limit: PAGE, offset });
        setItems((prev) => (offset ? prev.concat(page.items) : page.items));
        setTotal(page.total);
        setProblem(null);
      } catch (e) {
        if (!handleAuthError(e)) setProblem(`Could not load interviews: ${errorText(e)}`);
      }
    },
    [token, status, handleAuthError],
  );

  useEffect(() => {
    void load(0);
  }, [load]);

  const q = query.trim().toLowerCase();
  const shown = items.filter((it) => {
    if (flaggedOnly && !it.flags.length) return false;
    if (!q) return true;
    return [it.role, it.candidate_name ?? "", it.id, it.interview_type, it.level].some((v) =>
      v.toLowerCase().includes(q),
    );
  });

  return (
    <section className="card wide" aria-labelledby="list-title">
      <div className="title-row">
        <h1 id="list-title">Interviews</h1>
        <Link href="/recruiter/invitations" className="button subtle">
          Invitations and exports
        </Link>
        <RecruiterAccountLinks />
        <button type="button" className="button subtle" onClick={() => signOut()}>
          Sign out
        </button>
      </div>
      <div className="filters" role="search">
        <input
          id="search"
          type="search"
          placeholder="Role, candidate or id"
          aria-label="Search interviews"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <select
          id="status-filter"
          aria-label="Filter by status"
          value={status}
          onChange={(e) => {
            const next = e.target.value as InterviewStatus | "";
            setStatus(next);
            history.replaceState(null, "", next ? `/recruiter?status=${next}` : "/recruiter");
          }}
        >
          <option value="">All statuses</option>
          {InterviewStatusValues.map((s) => (
            <option key={s} value={s}>
              {humanize(s)}
            </option>
          ))}
        </select>
        <label className="inline">
          <input
            type="checkbox"
            id="flagged-only"
            checked={flaggedOnly}
            onChange={(e) => setFlaggedOnly(e.target.checked)}
          />{" "}
          Flagged only
        </label>
      </div>
      <p className="hint" aria-live="polite">
        {problem ??
          (total === null
            ? "Loading…"
            : `Showing ${shown.length} of ${total} interview${total === 1 ? "" : "s"}`)}
      </p>
      <div className="table-wrap">
        <table className="interviews">
          <caption className="visually-hidden">Interviews, newest first</caption>
          <thead>
            <tr>
              {["Candidate", "Role", "Status", "Date", "Duration", "Score", "Cost", "Flags"].map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((it) => (
              <tr key={it.id} data-id={it.id}>
                <td>
                  <Link href={`/recruiter/interviews/${encodeURIComponent(it.id)}`}>
                    {it.candidate_name || "Anonymous"}
                  </Link>
                  <div className="sub">{it.id.slice(0, 8)}</div>
                </td>
                <td>
                  {it.role}
                  <div className="sub">
                    {humanize(it.level)} · {humanize(it.interview_type)}
                  </div>
                </td>
                <td>
                  <span className={`status status-${it.status}`}>{humanize(it.status)}</span>
                </td>
                <td>{formatDate(it.created_at)}</td>
                <td className="num">{formatDuration(it.duration_s)}</td>
                <td className="num">{it.overall_score === null ? "—" : it.overall_score.toFixed(1)}</td>
                <td className="num cost">{formatUsd(it.cost_usd)}</td>
                <td>
                  {it.flags.map((f) => (
                    <span className="flag" key={f}>
                      {humanize(f)}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
            {!shown.length && total !== null ? (
              <tr>
                <td colSpan={8} className="empty">
                  {items.length ? "No interviews match your search." : "No interviews yet."}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {total !== null && items.length < total ? (
        <button type="button" className="button" onClick={() => void load(items.length)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
