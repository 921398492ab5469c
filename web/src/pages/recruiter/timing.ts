/** Mapping the interview's epoch timestamps onto the recording's 0:00. */

import type { InterviewDetail, RecordingEntry } from "../../generated/contracts";

/**
 * `origin`: the epoch second that is 0:00 of the recording. Recordings start when the
 * agent's session starts, which is when the interview went live; if that is missing, the
 * earliest thing that happened. `length`: seconds from the origin to the last thing.
 */
export function interviewSpan(record: InterviewDetail): { origin: number; length: number } {
  const times = [
    ...record.transcript.flatMap((t) => [t.start_time, t.end_time]),
    ...record.events.map((e) => e.at),
    ...record.observations.map((o) => o.at),
  ].filter(Number.isFinite);
  const started = record.started_at ? Date.parse(record.started_at) / 1000 : NaN;
  const origin = Number.isFinite(started)
    ? started
    : times.length
      ? Math.min(...times)
      : Date.parse(record.created_at) / 1000;
  const ended = record.ended_at ? Date.parse(record.ended_at) / 1000 : origin;
  const recorded = Math.max(0, ...record.recordings.map((r) => r.duration_s ?? 0));
  return { origin, length: Math.max(1, Math.max(ended, ...times) - origin, recorded) };
}

/**
 * The newest complete egress (video, both sides), else the candidate's browser recording
 * (video, both sides), else the newest complete recording.
 */
export function pickRecording(
  recordings: RecordingEntry[],
): { recording: RecordingEntry; index: number } | null {
  const complete = recordings
    .map((recording, index) => ({ recording, index }))
    .filter(({ recording }) => recording.status === "complete" && recording.location);
  const newest = (kind: string) => complete.filter(({ recording }) => recording.kind === kind).at(-1);
  return newest("egress") ?? newest("browser") ?? complete.at(-1) ?? null;
}
