/** Phases as coloured segments and observations as markers on one time axis; both seek. */

import { formatDuration, humanize } from "../../format";
import type { InterviewDetail, Observation, Phase } from "../../generated/contracts";
import { isPhase, phaseColour, phaseLabel } from "../../phases";

export function Timeline({
  record,
  origin,
  length,
  time,
  seek,
}: {
  record: InterviewDetail;
  origin: number;
  length: number;
  time: number;
  seek: (epoch: number) => void;
}) {
  const pct = (epoch: number): number => Math.min(100, Math.max(0, ((epoch - origin) / length) * 100));
  const changes = record.phase_timeline
    .map((e) => ({ at: e.at, phase: isPhase(e.data["to"]) ? e.data["to"] : e.phase }))
    .filter((c): c is { at: number; phase: Phase } => c.phase !== null)
    .sort((a, b) => a.at - b.at);
  const kinds = [...new Set(record.observations.map((o) => o.kind))];
  const cursor = (
    <div className="cursor" aria-hidden="true" style={{ left: `${Math.min(100, (time / length) * 100)}%` }} />
  );
  return (
    <section className="timeline" aria-labelledby="tl-title">
      <h3 id="tl-title">Timeline</h3>
      <div className="lane phases" id="phase-lane">
        {changes.length ? (
          changes.map((c, i) => {
            const next = changes[i + 1]?.at ?? origin + length;
            const left = pct(c.at);
            const label = phaseLabel(c.phase);
            return (
              <button
                type="button"
                key={`${c.phase}-${c.at}`}
                className="segment"
                data-phase={c.phase}
                style={{
                  left: `${left}%`,
                  width: `${Math.max(0.5, pct(next) - left)}%`,
                  background: phaseColour(c.phase),
                }}
                title={`${label} (${formatDuration(c.at - origin)}–${formatDuration(next - origin)})`}
                aria-label={`${label}, starts at ${formatDuration(c.at - origin)}`}
                onClick={() => seek(c.at)}
              >
                <span>{label}</span>
              </button>
            );
          })
        ) : (
          <span className="hint">No phase changes recorded.</span>
        )}
        {cursor}
      </div>
      <div className="lane observations" id="observation-lane">
        {record.observations.map((o, i) => (
          <button
            type="button"
            key={i}
            className={`marker source-${o.source}${o.confidence < 0.5 ? " low" : ""}`}
            style={{ left: `${pct(o.at)}%` }}
            title={describeObservation(o, origin)}
            aria-label={describeObservation(o, origin)}
            onClick={() => seek(o.at)}
          />
        ))}
      </div>
      <div className="axis">
        <span>0:00</span>
        <span>{formatDuration(length)}</span>
      </div>
      {record.observations.length ? (
        <details className="obs-list">
          <summary>
            {record.observations.length} observation{record.observations.length === 1 ? "" : "s"} (
            {kinds.map(humanize).join(", ")})
          </summary>
          <ul>
            {record.observations.map((o, i) => (
              <li key={i}>
                <button type="button" className="link" onClick={() => seek(o.at)}>
                  {formatDuration(o.at - origin)}
                </button>{" "}
                {describeObservation(o, origin, false)}
              </li>
            ))}
          </ul>
        </details>
      ) : (
        <p className="hint">No video observations were stored.</p>
      )}
    </section>
  );
}

function describeObservation(o: Observation, origin: number, withTime = true): string {
  const detail = ["description", "detail", "text", "note"]
    .map((k) => o.data[k])
    .find((v) => typeof v === "string");
  return [
    withTime ? formatDuration(o.at - origin) : "",
    humanize(o.kind),
    typeof detail === "string" ? `— ${detail}` : "",
    `(${o.source}, confidence ${Math.round(o.confidence * 100)}%)`,
  ]
    .filter(Boolean)
    .join(" ");
}
