/**
 * "Your progress": every interview of the candidate's profile (date, role, type, level),
 * rubric scores and delivery metrics over time as charts, and the latest report's improvement
 * plan beside the trend. The profile key comes from this browser (localStorage) or from the
 * progress link's fragment (`/progress#key=…`); it is the only credential.
 */

import { type FormEvent, useEffect, useMemo, useState } from "react";
import { ApiError, getProgress, setProfileEmail } from "../api";
import { ErrorPanel, Loading } from "../components/StatusPanels";
import { type Series, TrendChart } from "../components/TrendChart";
import type { ProgressInterview, ProgressResponse } from "../generated/contracts";
import { adoptKeyFromLocation, profileKey, progressLink } from "../profile";
import { Link } from "../router";

type State =
  { kind: "loading" } | { kind: "failed"; message: string } | { kind: "ready"; progress: ProgressResponse };

const round = (v: number | null | undefined, digits = 1): number | null =>
  v == null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

export function ProgressPage() {
  const [key] = useState(() => {
    adoptKeyFromLocation();
    return profileKey();
  });
  const [state, setState] = useState<State>({ kind: "loading" });

  useEffect(() => {
    if (!key) return;
    let stopped = false;
    getProgress(key)
      .then((progress) => !stopped && setState({ kind: "ready", progress }))
      .catch(
        (e: unknown) =>
          !stopped && setState({ kind: "failed", message: e instanceof ApiError ? e.message : String(e) }),
      );
    return () => {
      stopped = true;
    };
  }, [key]);

  const practise = (
    <Link href="/" className="button primary">
      Practise an interview
    </Link>
  );
  if (!key) {
    return (
      <ErrorPanel
        title="No progress in this browser yet"
        message="Your progress starts with your first interview. If you took interviews in another browser, open the progress link you kept."
        actions={practise}
      />
    );
  }
  if (state.kind === "loading") return <Loading title="Loading your progress…" />;
  if (state.kind === "failed")
    return (
      <ErrorPanel title="Your progress could not be loaded" message={state.message} actions={practise} />
    );
  return <Progress progress={state.progress} profile={key} />;
}

function Progress({ progress, profile }: { progress: ProgressResponse; profile: string }) {
  const { interviews } = progress;
  const scored = useMemo(() => interviews.filter((i) => i.overall_score != null || i.metrics), [interviews]);
  const labels = useMemo(
    () => scored.map((i, n) => `${n + 1}. ${new Date(i.created_at).toLocaleDateString()}`),
    [scored],
  );
  const scoreSeries = useMemo<Series[]>(() => {
    const names = [...new Set(scored.flatMap((i) => Object.keys(i.scores)))];
    return [
      { label: "Overall", values: scored.map((i) => round(i.overall_score)) },
      ...names.map((name) => ({ label: name, values: scored.map((i) => round(i.scores[name])) })),
    ];
  }, [scored]);
  const [paceSeries, habitSeries] = useMemo<[Series[], Series[]]>(() => {
    const metric = (
      pick: (i: ProgressInterview) => number | null | undefined,
      digits = 1,
    ): (number | null)[] => scored.map((i) => round(pick(i), digits));
    return [
      [
        { label: "Words per minute", values: metric((i) => i.metrics?.words_per_minute, 0) },
        { label: "Answer length (words)", values: metric((i) => i.metrics?.mean_answer_words, 0) },
      ],
      [
        { label: "Filler words per minute", values: metric((i) => i.metrics?.fillers_per_minute) },
        {
          label: "Your share of talk (%)",
          values: metric((i) => (i.metrics?.talk_ratio == null ? null : i.metrics.talk_ratio * 100), 0),
        },
      ],
    ];
  }, [scored]);

  return (
    <article className="progress" aria-labelledby="progress-title">
      <section className="card">
        <h1 id="progress-title">Your progress</h1>
        <p className="hint">
          Keep your <a href={progressLink(profile)}>progress link</a> to open this page from another browser.
          It is private, like a password.
        </p>
        <table className="progress-list" id="progress-interviews">
          <caption className="visually-hidden">Your interviews</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Role</th>
              <th scope="col">Type</th>
              <th scope="col">Level</th>
              <th scope="col">Overall</th>
              <th scope="col">Feedback</th>
            </tr>
          </thead>
          <tbody>
            {interviews.map((i) => (
              <tr key={i.id}>
                <td>{new Date(i.created_at).toLocaleDateString()}</td>
                <td>{i.role}</td>
                <td>{i.interview_type.replace("_", " ")}</td>
                <td>{i.level}</td>
                <td>{i.overall_score == null ? "—" : round(i.overall_score)}</td>
                <td>
                  {i.status === "abandoned" ? (
                    <span className="hint">never started</span>
                  ) : (
                    <Link href={`/feedback/${i.id}`}>Open</Link>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {scored.length ? (
        <div className="progress-grid">
          <section className="card" aria-labelledby="trend-title">
            <h2 id="trend-title">Over time</h2>
            <TrendChart
              id="chart-scores"
              title="Scores (1–5)"
              labels={labels}
              series={scoreSeries}
              yMin={0}
              yMax={5}
            />
            <TrendChart id="chart-pace" title="Pace and answer length" labels={labels} series={paceSeries} />
            <TrendChart
              id="chart-habits"
              title="Filler words and talk share"
              labels={labels}
              series={habitSeries}
            />
          </section>
          <section className="card" aria-labelledby="plan-title" id="latest-plan">
            <h2 id="plan-title">What to work on next</h2>
            {progress.latest_improvements.length ? (
              <ul>
                {progress.latest_improvements.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ul>
            ) : null}
            {progress.latest_plan.length ? (
              <ol>
                {progress.latest_plan.map((item) => (
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
              </ol>
            ) : (
              <p className="hint">Your latest report has no learning plan.</p>
            )}
          </section>
        </div>
      ) : (
        <section className="card">
          <p>Your charts appear once an interview has been evaluated.</p>
        </section>
      )}
      <EmailForm profile={profile} current={progress.email} />
    </article>
  );
}

function EmailForm({ profile, current }: { profile: string; current: string | null }) {
  const [email, setEmail] = useState(current ?? "");
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    try {
      await setProfileEmail(profile, email.trim() || null);
      setNote({ ok: true, text: email.trim() ? "Saved." : "Removed." });
    } catch (e) {
      setNote({ ok: false, text: e instanceof ApiError ? e.message : String(e) });
    }
  };
  return (
    <form className="card narrow" onSubmit={(e) => void save(e)} aria-labelledby="email-title">
      <h2 id="email-title">Email (optional)</h2>
      <div className="field">
        <label htmlFor="profile-email">
          Your email, if you want recruiters who invite you to recognise you
        </label>
        <input
          id="profile-email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      {note ? (
        <p className={note.ok ? "hint" : "field-error"} role="status">
          {note.text}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="button">
          Save email
        </button>
      </div>
    </form>
  );
}
