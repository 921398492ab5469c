/**
 * One interview for a recruiter: the recording with the transcript beside it (click a
 * line to seek), the phase timeline with observations on it, and the report with flagged
 * disagreements and unsupported scores highlighted. Delete asks for confirmation.
 */

import {
  deleteInterview,
  getInterview,
  type InterviewRecord,
  type Observation,
  type Recording,
  recordingUrl,
  reportHtmlUrl,
} from "../api";
import { formatDate, formatDuration, h, humanize, mount, toast } from "../dom";
import { PHASE_LABELS } from "../livekit";
import { navigate } from "../nav";
import {
  failure,
  humanReview,
  insufficientSignal,
  metricRows,
  listEntries,
  listSection,
  overallScore,
  recommendation,
  scoreChart,
  scoreDetails,
  scores,
} from "../report";
import { recruiterToken } from "../session";
import { handleAuthError, signIn } from "./recruiterList";

const VIDEO_EXT = /\.(mp4|webm|mkv|mov|m4v)(\?|$)/i;

export async function recruiterInterviewPage(params: Record<string, string>): Promise<(() => void) | void> {
  const token = recruiterToken();
  if (!token) {
    history.replaceState(null, "", `/recruiter?next=${encodeURIComponent(location.pathname)}`);
    signIn();
    return;
  }
  mount(h("section", { class: "card narrow center", "aria-busy": "true" }, h("h1", {}, "Loading interview…"), h("div", { class: "spinner" })));
  let record: InterviewRecord;
  try {
    record = await getInterview(token, params.id);
  } catch (e) {
    if (handleAuthError(e)) return;
    mount(
      h("section", { class: "card narrow", role: "alert" },
        h("h1", {}, "Interview not available"),
        h("p", {}, e instanceof Error ? e.message : String(e)),
        h("a", { href: "/recruiter", "data-link": true, class: "button" }, "Back to interviews"),
      ),
    );
    return;
  }
  return renderInterview(token, record);
}

function renderInterview(token: string, record: InterviewRecord): () => void {
  const origin = timeOrigin(record);
  const end = timeEnd(record, origin);
  const rel = (epoch: number): number => Math.max(0, epoch - origin);

  // --- player ------------------------------------------------------------------------
  const picked = pickRecording(record.recordings);
  let player: HTMLMediaElement | null = null;
  let playerBox: HTMLElement;
  if (picked) {
    const recording = picked.recording;
    const isVideo = VIDEO_EXT.test(recording.location ?? "");
    player = h(isVideo ? "video" : "audio", {
      controls: true,
      preload: "metadata",
      id: "player",
      class: isVideo ? "player video" : "player audio",
      src: recordingUrl(token, record.id, picked.index),
      "aria-label": "Interview recording",
    });
    const failed = h("p", { class: "alert error", hidden: true, role: "alert" });
    player.addEventListener("error", () => {
      failed.textContent = "The recording could not be loaded (it may have been removed, or the format is not supported by this browser).";
      failed.hidden = false;
    });
    playerBox = h("div", { class: "player-box" }, player, failed,
      h("p", { class: "hint" }, `${humanize(recording.kind)} recording${recording.duration_s ? `, ${formatDuration(recording.duration_s)}` : ""}`),
    );
  } else {
    const failedRec = record.recordings.find((r) => r.status === "failed");
    playerBox = h("div", { class: "player-box empty" },
      h("p", {}, failedRec ? `Recording failed: ${failedRec.error ?? "unknown reason"}` : "No recording is available for this interview."),
    );
  }
  const seek = (epoch: number): void => {
    if (!player) return;
    player.currentTime = rel(epoch);
    void player.play().catch(() => undefined);
  };

  // --- transcript --------------------------------------------------------------------
  const lines = record.transcript.map((item) =>
    h("li", {},
      h("button", {
        type: "button",
        class: `line ${item.speaker}`,
        "data-start": rel(item.start_time).toFixed(2),
        onclick: () => seek(item.start_time),
      },
        h("span", { class: "ts" }, formatDuration(rel(item.start_time))),
        h("span", { class: "who" }, item.speaker === "candidate" ? "Candidate" : "Interviewer"),
        h("span", { class: "text" }, item.text),
      ),
    ),
  );
  const transcript = h("section", { class: "transcript", "aria-labelledby": "tr-title" },
    h("h2", { id: "tr-title" }, "Transcript"),
    lines.length ? h("ol", { id: "transcript" }, lines) : h("p", { class: "hint" }, "No transcript was stored."),
  );
  const onTime = (): void => {
    if (!player) return;
    const t = player.currentTime;
    let current: HTMLElement | null = null;
    for (const li of lines) {
      const btn = li.firstElementChild as HTMLElement;
      if (Number(btn.dataset.start) <= t + 0.05) current = btn;
      btn.classList.remove("current");
      btn.removeAttribute("aria-current");
    }
    if (current) {
      current.classList.add("current");
      current.setAttribute("aria-current", "true");
    }
    cursor.style.left = `${Math.min(100, (t / Math.max(1, end)) * 100)}%`;
  };
  player?.addEventListener("timeupdate", onTime);

  // --- timeline ----------------------------------------------------------------------
  const cursor = h("div", { class: "cursor", "aria-hidden": "true" });
  const timeline = renderTimeline(record, origin, end, seek, cursor);

  // --- header ------------------------------------------------------------------------
  const report = record.report;
  const overall = overallScore(report, record.overall_score);
  const rec = report ? recommendation(report) : null;
  const duration = record.started_at && record.ended_at ? (Date.parse(record.ended_at) - Date.parse(record.started_at)) / 1000 : null;
  const dialog = deleteDialog(token, record);
  const deleteButton = h("button", { type: "button", class: "button danger", id: "delete" }, "Delete interview");
  deleteButton.addEventListener("click", () => dialog.showModal());

  mount(
    h("article", { class: "review", "aria-labelledby": "review-title" },
      h("a", { href: "/recruiter", "data-link": true, class: "back" }, "← All interviews"),
      h("header", { class: "review-head card" },
        h("div", {},
          h("h1", { id: "review-title" }, record.candidate_name || "Anonymous candidate", " — ", record.role),
          h("p", { class: "meta" },
            h("span", { class: `status status-${record.status}` }, humanize(record.status)), " · ",
            `${humanize(record.level)} · ${humanize(record.interview_type)} · ${formatDate(record.created_at)} · ${formatDuration(duration)}`,
          ),
          record.failure_reason ? h("p", { class: "alert error" }, `Failed: ${record.failure_reason}`) : null,
          record.flags?.length
            ? h("p", { class: "flags" }, h("span", { class: "label" }, "Flags: "), record.flags.map((f) => h("span", { class: "flag" }, humanize(f))))
            : null,
        ),
        h("div", { class: "head-side" },
          h("div", { class: "big-score", "aria-label": "Overall score" },
            h("span", { class: "value", id: "overall-score" }, overall === null ? "—" : overall.toFixed(1)),
            h("span", { class: "of" }, "/ 5"),
          ),
          rec?.value ? h("p", { class: `recommendation rec-${rec.value}` }, humanize(rec.value)) : null,
          deleteButton,
        ),
      ),
      h("div", { class: "review-grid" },
        h("div", { class: "card" }, h("h2", {}, "Recording"), playerBox, timeline),
        h("div", { class: "card" }, transcript),
      ),
      renderReport(token, record, seek),
      dialog,
    ),
  );
  return () => {
    player?.pause();
    player?.removeAttribute("src");
    player?.load();
  };
}

function deleteDialog(token: string, record: InterviewRecord): HTMLDialogElement {
  const confirm = h("button", { type: "button", class: "button danger", id: "confirm-delete" }, "Delete permanently");
  const cancel = h("button", { type: "button", class: "button", value: "cancel" }, "Cancel");
  const error = h("p", { class: "field-error", hidden: true, role: "alert" });
  const dialog = h("dialog", { "aria-labelledby": "del-title", class: "dialog" },
    h("h2", { id: "del-title" }, "Delete this interview?"),
    h("p", {}, "The record, transcript, report and recordings are removed for good. This cannot be undone."),
    error,
    h("div", { class: "actions" }, cancel, confirm),
  );
  cancel.addEventListener("click", () => dialog.close());
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    try {
      await deleteInterview(token, record.id);
      dialog.close();
      toast("Interview deleted.");
      navigate("/recruiter", { replace: true });
    } catch (e) {
      if (handleAuthError(e)) return;
      error.textContent = `Could not delete: ${e instanceof Error ? e.message : String(e)}`;
      error.hidden = false;
    } finally {
      confirm.disabled = false;
    }
  });
  return dialog;
}

function renderTimeline(
  record: InterviewRecord,
  origin: number,
  end: number,
  seek: (epoch: number) => void,
  cursor: HTMLElement,
): HTMLElement {
  const pct = (epoch: number): number => Math.min(100, Math.max(0, ((epoch - origin) / Math.max(1, end)) * 100));
  const changes = record.events
    .filter((e) => e.kind === "phase_change")
    .map((e) => ({ at: e.at, phase: String(e.data?.to ?? e.data?.to_section ?? e.data?.phase ?? e.phase ?? "") }))
    .filter((c) => c.phase)
    .sort((a, b) => a.at - b.at);
  const segments = changes.map((c, i) => {
    const next = changes[i + 1]?.at ?? origin + end;
    const left = pct(c.at);
    const width = Math.max(0.5, pct(next) - left);
    const label = PHASE_LABELS[c.phase] ?? humanize(c.phase);
    return h("button", {
      type: "button",
      class: `segment phase-${c.phase}`,
      style: `left:${left}%;width:${width}%`,
      title: `${label} (${formatDuration(c.at - origin)}–${formatDuration(next - origin)})`,
      "aria-label": `${label}, starts at ${formatDuration(c.at - origin)}`,
      onclick: () => seek(c.at),
    }, h("span", {}, label));
  });
  const markers = record.observations.map((o) =>
    h("button", {
      type: "button",
      class: `marker source-${o.source}${o.confidence < 0.5 ? " low" : ""}`,
      style: `left:${pct(o.at)}%`,
      title: describeObservation(o, origin),
      "aria-label": describeObservation(o, origin),
      onclick: () => seek(o.at),
    }),
  );
  const kinds = [...new Set(record.observations.map((o) => o.kind))];
  return h("section", { class: "timeline", "aria-labelledby": "tl-title" },
    h("h3", { id: "tl-title" }, "Timeline"),
    h("div", { class: "lane phases", id: "phase-lane" }, segments.length ? segments : h("span", { class: "hint" }, "No phase changes recorded."), cursor),
    h("div", { class: "lane observations", id: "observation-lane" }, markers),
    h("div", { class: "axis" }, h("span", {}, "0:00"), h("span", {}, formatDuration(end))),
    record.observations.length
      ? h("details", { class: "obs-list" },
          h("summary", {}, `${record.observations.length} observation${record.observations.length === 1 ? "" : "s"} (${kinds.map(humanize).join(", ")})`),
          h("ul", {}, record.observations.map((o) =>
            h("li", {}, h("button", { type: "button", class: "link", onclick: () => seek(o.at) }, formatDuration(o.at - origin)), " ", describeObservation(o, origin, false)),
          )),
        )
      : h("p", { class: "hint" }, "No video observations were stored."),
  );
}

function describeObservation(o: Observation, origin: number, withTime = true): string {
  const d = o.data ?? {};
  const detail = ["description", "detail", "text", "note"].map((k) => d[k]).find((v) => typeof v === "string") as string | undefined;
  const parts = [
    withTime ? formatDuration(o.at - origin) : "",
    humanize(o.kind),
    detail ? `— ${detail}` : "",
    `(${o.source}, confidence ${Math.round(o.confidence * 100)}%)`,
  ];
  return parts.filter(Boolean).join(" ");
}

function renderReport(token: string, record: InterviewRecord, seek: (epoch: number) => void): HTMLElement {
  const report = record.report;
  if (!report) {
    return h("section", { class: "card", "aria-labelledby": "report-title" },
      h("h2", { id: "report-title" }, "Report"),
      h("p", { class: "hint" },
        record.status === "ended" ? "The evaluation is in progress. Reload in a minute." : "No report has been produced for this interview.",
      ),
    );
  }
  const lacking = insufficientSignal(report);
  const failed = failure(report);
  const items = scores(report);
  const review = humanReview(report, items);
  const disagreements = items.filter((s) => s.disagreement);
  const unsupported = items.filter((s) => s.unsupported);
  const rec = recommendation(report);
  const metrics = metricRows(report);
  const iframe = h("iframe", {
    title: "Full report",
    class: "report-frame",
    loading: "lazy",
    sandbox: "allow-same-origin",
  });
  const full = h("details", { class: "full-report" }, h("summary", {}, "Full report with charts"), iframe);
  full.addEventListener("toggle", () => {
    if ((full as HTMLDetailsElement).open && !iframe.src) iframe.src = reportHtmlUrl(token, record.id);
  });
  const extra = [
    ["Body language (observable only)", report.body_language_notes ?? report.body_language, "r-body"],
    ["CV accuracy", report.cv_accuracy_notes ?? report.cv_accuracy, "r-cv"],
  ] as const;
  const attention =
    review.length || disagreements.length || unsupported.length
      ? h("div", { class: "alert warn", id: "review-flags", role: "note" },
          h("strong", {}, "Needs your attention"),
          h("ul", {},
            review.length
              ? review.map((r) => h("li", {}, r.dimension ? h("strong", {}, `${r.dimension}: `) : null, r.reason))
              : [
                  ...disagreements.map((s) => h("li", {}, h("strong", {}, `${s.name}: `), "the two scoring runs disagreed.")),
                  ...unsupported.map((s) => h("li", {}, h("strong", {}, `${s.name}: `), "evidence not found in the transcript; excluded from the overall score.")),
                ],
          ),
        )
      : null;
  return h("section", { class: "card report", "aria-labelledby": "report-title" },
    h("h2", { id: "report-title" }, "Report"),
    failed ? h("div", { class: "alert error" }, failed) : null,
    lacking ? h("div", { class: "alert info" }, lacking) : null,
    rec?.value
      ? h("p", { class: "rec-line" }, h("strong", {}, "Recommendation: "), humanize(rec.value), rec.rationale ? ` — ${rec.rationale}` : "")
      : null,
    attention,
    items.length ? h("div", { class: "chart-wrap" }, scoreChart(items)) : null,
    items.length ? scoreDetails(items, seek) : null,
    h("div", { class: "report-columns" },
      listSection("Strengths", listEntries(report.strengths), "r-strengths"),
      listSection("Improvements", listEntries(report.improvements), "r-improvements"),
      listSection("Learning plan", listEntries(report.learning_plan), "r-plan"),
      ...extra
        .filter(([, v]) => listEntries(v).length)
        .map(([title, v, id]) => listSection(title, listEntries(v), id)),
    ),
    metrics.length
      ? h("section", { class: "metrics", "aria-labelledby": "r-metrics" },
          h("h2", { id: "r-metrics" }, "Measurements"),
          h("dl", {}, metrics.map(([label, value]) => h("div", {}, h("dt", {}, label), h("dd", {}, value)))),
        )
      : null,
    full,
  );
}

// --- time helpers -----------------------------------------------------------------------

/**
 * Epoch second that corresponds to 0:00 of the recording. Both recordings start when the
 * agent's session starts, which is when the interview went live; if that is missing we use
 * the earliest thing that happened.
 */
function timeOrigin(record: InterviewRecord): number {
  const started = record.started_at ? Date.parse(record.started_at) / 1000 : NaN;
  if (Number.isFinite(started)) return started;
  const times = [
    ...record.transcript.map((t) => t.start_time),
    ...record.events.map((e) => e.at),
    ...record.observations.map((o) => o.at),
  ].filter(Number.isFinite);
  return times.length ? Math.min(...times) : Date.parse(record.created_at) / 1000;
}

/** Length of the interview in seconds from the origin. */
function timeEnd(record: InterviewRecord, origin: number): number {
  const ended = record.ended_at ? Date.parse(record.ended_at) / 1000 : NaN;
  const times = [
    Number.isFinite(ended) ? ended : origin,
    ...record.transcript.map((t) => t.end_time),
    ...record.events.map((e) => e.at),
    ...record.observations.map((o) => o.at),
  ].filter(Number.isFinite);
  const recDuration = Math.max(0, ...record.recordings.map((r) => r.duration_s ?? 0));
  return Math.max(1, Math.max(...times) - origin, recDuration);
}

/** The newest complete egress (video, both sides), else the newest complete recording. */
function pickRecording(recordings: Recording[]): { recording: Recording; index: number } | null {
  const complete = recordings
    .map((recording, index) => ({ recording, index }))
    .filter(({ recording }) => recording.status === "complete" && recording.location);
  const egress = complete.filter(({ recording }) => recording.kind === "egress");
  return egress.at(-1) ?? complete.at(-1) ?? null;
}
