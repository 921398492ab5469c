/**
 * The transcript beside the recording. A click on a line seeks there; the line playing now
 * is highlighted. Lines the report quotes as evidence carry a tag per dimension (from the
 * typed report), so a recruiter can jump from "why this score" to hearing it said.
 */

import { formatDuration } from "../../format";
import type { DimensionScore, InterviewDetail, TranscriptItem } from "../../generated/contracts";

interface Citation {
  dimension: DimensionScore;
  at: number;
}

/** Verified evidence quotes, attached to the transcript line during which they were said. */
function citationsByLine(record: InterviewDetail): Map<TranscriptItem, Citation[]> {
  const out = new Map<TranscriptItem, Citation[]>();
  for (const dimension of record.report?.dimensions ?? []) {
    for (const quote of dimension.evidence) {
      if (!quote.verified || quote.timestamp === null) continue;
      const at = quote.timestamp;
      const line =
        record.transcript.find((t) => t.start_time - 0.05 <= at && at <= t.end_time + 0.05) ??
        record.transcript.find((t) => t.text.includes(quote.quote));
      if (!line) continue;
      const list = out.get(line) ?? [];
      if (!list.some((c) => c.dimension.key === dimension.key)) list.push({ dimension, at });
      out.set(line, list);
    }
  }
  return out;
}

export function Transcript({
  record,
  origin,
  time,
  seek,
}: {
  record: InterviewDetail;
  origin: number;
  time: number;
  seek: (epoch: number) => void;
}) {
  const citations = citationsByLine(record);
  const rel = (epoch: number): number => Math.max(0, epoch - origin);
  const current = record.transcript.findLast((t) => rel(t.start_time) <= time + 0.05);
  return (
    <section className="transcript" aria-labelledby="tr-title">
      <h2 id="tr-title">Transcript</h2>
      {record.transcript.length ? (
        <ol id="transcript">
          {record.transcript.map((item) => {
            const isCurrent = item === current && time > 0;
            return (
              <li key={item.item_id}>
                <button
                  type="button"
                  className={`line ${item.speaker}${isCurrent ? " current" : ""}`}
                  aria-current={isCurrent ? "true" : undefined}
                  data-start={rel(item.start_time).toFixed(2)}
                  onClick={() => seek(item.start_time)}
                >
                  <span className="ts">{formatDuration(rel(item.start_time))}</span>
                  <span className="who">{item.speaker === "candidate" ? "Candidate" : "Interviewer"}</span>
                  <span className="text">{item.text}</span>
                </button>
                {citations.has(item) ? (
                  <div className="evidence-tags">
                    {(citations.get(item) ?? []).map(({ dimension, at }) => (
                      <button
                        type="button"
                        key={dimension.key}
                        className="evidence-tag seek"
                        data-dimension={dimension.key}
                        title={`Quoted as evidence for ${dimension.name}: play from ${formatDuration(rel(at))}`}
                        onClick={() => seek(at)}
                      >
                        Evidence: {dimension.name}
                      </button>
                    ))}
                  </div>
                ) : null}
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="hint">No transcript was stored.</p>
      )}
    </section>
  );
}
