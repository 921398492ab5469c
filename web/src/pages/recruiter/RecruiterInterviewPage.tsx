/**
 * One interview for a recruiter: the recording with the transcript beside it (click a line
 * to seek; lines the report cites as evidence are marked), the phase and observation
 * timeline, the report itself, embedded as the one rendered report.html, and what the
 * interview cost (with any model failover), and the consent the candidate gave before it
 * (which notice, when). Delete asks for confirmation.
 */

import { useEffect, useRef, useState } from "react";
import { getInterview, recordingUrl } from "../../api";
import { Loading } from "../../components/StatusPanels";
import { errorText, formatDate, formatDuration, humanize } from "../../format";
import type { ConsentRecord, InterviewDetail } from "../../generated/contracts";
import { Link } from "../../router";
import { CostPanel } from "./CostPanel";
import { DeleteInterview } from "./DeleteInterview";
import { PlanSummary } from "./PlanSummary";
import { type RecruiterAuth, RecruiterGate } from "./RecruiterAuth";
import { ReportPanel } from "./ReportPanel";
import { Timeline } from "./Timeline";
import { Transcript } from "./Transcript";
import { interviewSpan, pickRecording } from "./timing";

export function RecruiterInterviewPage({ id }: { id: string }) {
  return <RecruiterGate>{(auth) => <InterviewLoader id={id} auth={auth} />}</RecruiterGate>;
}

function InterviewLoader({ id, auth }: { id: string; auth: RecruiterAuth }) {
  const { token, handleAuthError } = auth;
  const [record, setRecord] = useState<InterviewDetail | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    getInterview(token, id).then(
      (r) => !stale && setRecord(r),
      (e: unknown) => !stale && !handleAuthError(e) && setProblem(errorText(e)),
    );
    return () => {
      stale = true;
    };
  }, [token, id, handleAuthError]);

  if (problem) {
    return (
      <section className="card narrow" role="alert">
        <h1>Interview not available</h1>
        <p>{problem}</p>
        <Link href="/recruiter" className="button">
          Back to interviews
        </Link>
      </section>
    );
  }
  if (!record) return <Loading title="Loading interview…" />;
  return <InterviewReview record={record} auth={auth} />;
}

function InterviewReview({ record, auth }: { record: InterviewDetail; auth: RecruiterAuth }) {
  const { origin, length } = interviewSpan(record);
  const player = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  const [time, setTime] = useState(0);
  const seek = (epoch: number): void => {
    const el = player.current;
    if (!el) return;
    el.currentTime = Math.max(0, epoch - origin);
    void el.play().catch(() => undefined);
  };

  return (
    <article className="review" aria-labelledby="review-title">
      <Link href="/recruiter" className="back">
        ← All interviews
      </Link>
      <header className="review-head card">
        <div>
          <h1 id="review-title">
            {record.candidate_name || "Anonymous candidate"} — {record.role}
          </h1>
          <p className="meta">
            <span className={`status status-${record.status}`}>{humanize(record.status)}</span> ·{" "}
            {humanize(record.level)} · {humanize(record.interview_type)} · {formatDate(record.created_at)} ·{" "}
            {formatDuration(record.duration_s)}
          </p>
          <PlanSummary plan={record.plan} />
          <ConsentLine consent={record.consent} />
          {record.failure_reason ? <p className="alert error">Failed: {record.failure_reason}</p> : null}
          {record.flags.length ? (
            <p className="flags">
              <span className="label">Flags: </span>
              {record.flags.map((f) => (
                <span className="flag" key={f}>
                  {humanize(f)}
                </span>
              ))}
            </p>
          ) : null}
        </div>
        <div className="head-side">
          <div className="big-score" aria-label="Overall score">
            <span className="value" id="overall-score">
              {record.overall_score === null ? "—" : record.overall_score.toFixed(1)}
            </span>
            <span className="of">/ 5</span>
          </div>
          {record.report?.recommendation ? (
            <p className={`recommendation rec-${record.report.recommendation.value}`}>
              {record.report.recommendation.label}
            </p>
          ) : null}
          <DeleteInterview record={record} auth={auth} />
        </div>
      </header>
      <div className="review-grid">
        <div className="card">
          <h2>Recording</h2>
          <Player record={record} player={player} onTime={setTime} />
          <Timeline record={record} origin={origin} length={length} time={time} seek={seek} />
        </div>
        <div className="card">
          <Transcript record={record} origin={origin} time={time} seek={seek} />
        </div>
      </div>
      <ReportPanel record={record} />
      <CostPanel record={record} origin={origin} />
    </article>
  );
}

const CONSENT_LABELS: [keyof ConsentRecord["choices"], string][] = [
  ["recording", "recording"],
  ["camera_analysis", "camera analysis"],
  ["ai_processing", "AI processing"],
];

/** What the candidate agreed to, from the stored consent (older interviews have none). */
function ConsentLine({ consent }: { consent: ConsentRecord | null }) {
  if (!consent) {
    return (
      <p className="meta" id="consent">
        Consent: not recorded (the interview predates the consent notice).
      </p>
    );
  }
  const agreed = CONSENT_LABELS.filter(([key]) => consent.choices[key]).map(([, label]) => label);
  const text = agreed.length ? agreed.join(", ").replace(/, ([^,]*)$/, " and $1") : "nothing";
  return (
    <p className="meta" id="consent">
      Consent: {text}, agreed {formatDate(consent.agreed_at)} (notice {consent.version})
    </p>
  );
}

const VIDEO_EXT = /\.(mp4|webm|mkv|mov|m4v)(\?|$)/i;

function Player({
  record,
  player,
  onTime,
}: {
  record: InterviewDetail;
  player: React.RefObject<(HTMLVideoElement & HTMLAudioElement) | null>;
  onTime: (t: number) => void;
}) {
  const [failed, setFailed] = useState(false);
  const picked = pickRecording(record.recordings);
  useEffect(() => {
    const el = player.current;
    // stop streaming when the page goes away
    return () => {
      el?.pause();
      el?.removeAttribute("src");
      el?.load();
    };
  }, [player]);
  if (!picked) {
    const failedRec = record.recordings.find((r) => r.status === "failed");
    return (
      <div className="player-box empty">
        <p>
          {failedRec
            ? `Recording failed: ${failedRec.error ?? "unknown reason"}`
            : "No recording is available for this interview."}
        </p>
      </div>
    );
  }
  const { recording, index } = picked;
  const props = {
    ref: player,
    controls: true,
    preload: "metadata",
    id: "player",
    src: recordingUrl(record, index) ?? undefined,
    "aria-label": "Interview recording",
    onTimeUpdate: (e: React.SyntheticEvent<HTMLMediaElement>) => onTime(e.currentTarget.currentTime),
    onError: () => setFailed(true),
  };
  return (
    <div className="player-box">
      {VIDEO_EXT.test(recording.location ?? "") ? (
        <video className="player video" {...props} />
      ) : (
        <audio className="player audio" {...props} />
      )}
      {failed ? (
        <p className="alert error" role="alert">
          The recording could not be loaded (it may have been removed, or the format is not supported by this
          browser).
        </p>
      ) : null}
      <p className="hint">
        {humanize(recording.kind)} recording
        {recording.duration_s ? `, ${formatDuration(recording.duration_s)}` : ""}
      </p>
    </div>
  );
}
