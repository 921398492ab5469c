/**
 * What the interview cost and which model ran it: the record's `cost` (tokens by modality
 * and price per source and model, priced by the dated table the agent and the evals worker
 * used; the avatar's line is billed in minutes) and every `model_failover` event (the live
 * interview switched realtime model, and back). Both come from the detail body as stored;
 * nothing is recomputed here, so this page and the Prometheus cost metric cannot disagree.
 */

import { formatDuration, formatUsd, humanize } from "../../format";
import type { CostLine, InterviewDetail, InterviewEvent, TokenUsage } from "../../generated/contracts";

const TOKEN_COLUMNS: [keyof TokenUsage, string][] = [
  ["audio_input", "Audio in"],
  ["video_input", "Video in"],
  ["text_input", "Text in"],
  ["audio_output", "Audio out"],
  ["text_output", "Text out"],
];

const SOURCE_LABEL: Record<CostLine["source"], string> = {
  live: "Live interview",
  frame_review: "Camera and screen reviews",
  evaluation: "Evaluation (scoring)",
  avatar: "Interviewer avatar (per minute)",
};

const REASON_LABEL: Record<string, string> = {
  latency_p95: "reply latency above budget",
  failed_connects: "repeated failed connections",
  recovered: "the primary model recovered",
  probe_failed: "the primary model failed its trial",
};

export function CostPanel({ record, origin }: { record: InterviewDetail; origin: number }) {
  const failovers = record.events.filter((e) => e.kind === "model_failover");
  const cost = record.cost;
  return (
    <section className="card cost" aria-labelledby="cost-title">
      <h2 id="cost-title">Cost and model</h2>
      {failovers.length ? (
        <div className="alert warn" id="failover-note" role="note">
          <strong>The interviewer's model was switched during this interview.</strong> The conversation
          continued from a summary; answers just after a switch may have less context.
          <ul>
            {failovers.map((e, i) => (
              <li key={`${e.at}-${i}`}>{failoverText(e, origin)}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {cost ? (
        <>
          <p>
            Total <strong id="cost-total">{formatUsd(cost.total_usd)}</strong>
            <span className="hint">
              {" "}
              · priced with the table dated {cost.prices_as_of ?? "(unknown)"} (MODEL_PRICES)
            </span>
          </p>
          {cost.unpriced_models.length ? (
            <p className="alert warn" id="cost-unpriced">
              Not in the price table, left out of the total: {cost.unpriced_models.join(", ")}.
            </p>
          ) : null}
          <div className="table-wrap">
            <table className="cost-lines" id="cost-lines">
              <caption className="visually-hidden">Tokens and cost by source and model</caption>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Model</th>
                  {TOKEN_COLUMNS.map(([, label]) => (
                    <th scope="col" className="num" key={label}>
                      {label}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {cost.lines.map((line, i) => (
                  <tr key={`${line.source}-${line.model}-${i}`}>
                    <td>{SOURCE_LABEL[line.source] ?? humanize(line.source)}</td>
                    <td>
                      <code>{line.model}</code>
                    </td>
                    {line.minutes !== null ? (
                      // billed per minute (the avatar), not per token
                      <td className="num" colSpan={TOKEN_COLUMNS.length}>
                        {line.minutes.toLocaleString(undefined, { maximumFractionDigits: 1 })} min
                      </td>
                    ) : (
                      TOKEN_COLUMNS.map(([key]) => (
                        <td className="num" key={key}>
                          {line.usage[key].toLocaleString()}
                        </td>
                      ))
                    )}
                    <td className="num">{line.usd === null ? "not priced" : formatUsd(line.usd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p className="hint" id="cost-total">
          No cost recorded yet: the agent stores it when the interview ends.
        </p>
      )}
    </section>
  );
}

function failoverText(event: InterviewEvent, origin: number): string {
  const d = event.data;
  const at = formatDuration(event.at - origin);
  const model = typeof d.model === "string" ? d.model : "another model";
  const reason = typeof d.reason === "string" ? (REASON_LABEL[d.reason] ?? humanize(d.reason)) : null;
  const p95 = typeof d.p95_ms === "number" ? `, p95 ${Math.round(d.p95_ms).toLocaleString()} ms` : "";
  const direction = d.to === "primary" ? "back to the primary model" : "to the fallback model";
  return `At ${at}: switched ${direction} ${model}${reason ? ` (${reason}${p95})` : ""}.`;
}
