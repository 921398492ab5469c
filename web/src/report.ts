/**
 * Rendering of the evaluation report. The report JSON is produced by `evals` and may
 * evolve (or be partial, or say there was too little signal), so every reader here is
 * defensive: unknown shapes degrade to "not available", never to an exception.
 */

import { h, humanize, svg } from "./dom";

type Json = Record<string, unknown>;

export interface Score {
  key: string;
  name: string;
  score: number | null;
  runs: number[];
  disagreement: boolean;
  unsupported: boolean;
  rationale: string;
  evidence: { quote: string; at: number | null }[];
  /** Quotes a scoring run gave that were not found in the transcript. */
  rejected: string[];
}

export interface ReviewItem {
  dimension: string;
  reason: string;
}

export interface ListEntry {
  title: string;
  detail: string;
  extra: string[];
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const num = (v: unknown): number | null => {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
};
const first = (o: Json, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

/** A report that declined to score (too little signal) says so in one of a few ways. */
export function insufficientSignal(report: Json): string | null {
  const flag = first(report, "insufficient_signal", "insufficient_data", "too_little_signal");
  const status = str(first(report, "status", "outcome"));
  if (flag === true || /insufficient|too_little/i.test(status)) {
    const why = str(first(report, "message", "reason", "summary", "note"));
    return why || "There was not enough conversation to score this interview.";
  }
  if (isObj(flag)) return str(first(flag, "reason", "message")) || "Not enough signal to score.";
  if (typeof flag === "string" && flag) return flag;
  return null;
}

export function scores(report: Json): Score[] {
  const raw = first(report, "scores", "dimensions", "rubric", "rubric_scores");
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((v, i) => [isObj(v) ? str(first(v, "key", "dimension", "id", "name")) || `dimension_${i + 1}` : `dimension_${i + 1}`, v])
    : isObj(raw)
      ? Object.entries(raw)
      : [];
  const keysOf = (v: unknown): Set<string> =>
    new Set((Array.isArray(v) ? v : []).map((x) => (isObj(x) ? str(first(x, "key", "dimension")) : str(x))));
  const unsupportedKeys = keysOf(first(report, "unsupported", "unsupported_dimensions", "unsupported_scores"));
  const disagreementKeys = keysOf(first(report, "disagreements", "flagged_dimensions", "needs_review"));
  return entries.map(([key, value]) => {
    const o = isObj(value) ? value : { score: value };
    const runs = (Array.isArray(first(o, "runs", "run_scores", "scores")) ? (first(o, "runs", "run_scores", "scores") as unknown[]) : [])
      .map((r) => (isObj(r) ? num(first(r, "score", "value")) : num(r)))
      .filter((n): n is number => n !== null);
    const supportedFlag = first(o, "supported", "evidence_supported");
    const unsupported =
      first(o, "unsupported") === true ||
      supportedFlag === false ||
      /unsupported/i.test(str(first(o, "status"))) ||
      unsupportedKeys.has(key);
    const disagreement =
      first(o, "disagreement", "flagged", "needs_review", "needs_human_review", "inconsistent") === true ||
      disagreementKeys.has(key) ||
      (runs.length >= 2 && Math.max(...runs) - Math.min(...runs) > 1);
    const evidenceRaw = first(o, "evidence", "quotes", "evidence_quotes");
    const evidence = (Array.isArray(evidenceRaw) ? evidenceRaw : [])
      .map((e) =>
        isObj(e)
          ? { quote: str(first(e, "quote", "text", "excerpt")), at: num(first(e, "at", "time", "timestamp", "start_time")) }
          : { quote: str(e), at: null },
      )
      .filter((e) => e.quote);
    const rejectedRaw = first(o, "rejected_evidence", "unverified_evidence");
    const rejected = (Array.isArray(rejectedRaw) ? rejectedRaw : [])
      .map((e) => (isObj(e) ? str(first(e, "quote", "text")) : str(e)))
      .filter(Boolean);
    return {
      key,
      name: str(first(o, "name", "label", "title")) || humanize(key),
      score: num(first(o, "score", "mean", "average", "value")),
      runs,
      disagreement,
      unsupported,
      rationale: str(first(o, "rationale", "justification", "reason", "explanation", "summary")),
      evidence,
      rejected,
    };
  });
}

/** Items the report asks a human to look at (`human_review`: `{dimension, reason}`). */
export function humanReview(report: Json, items: Score[]): ReviewItem[] {
  const raw = first(report, "human_review", "review");
  const names = new Map(items.map((s) => [s.key, s.name]));
  return (Array.isArray(raw) ? raw : [])
    .map((r): ReviewItem | null => {
      if (typeof r === "string") return { dimension: "", reason: r };
      if (!isObj(r)) return null;
      const key = str(first(r, "dimension", "key"));
      return {
        dimension: key === "*" ? "Whole interview" : (names.get(key) ?? humanize(key)),
        reason: str(first(r, "reason", "message", "note")),
      };
    })
    .filter((r): r is ReviewItem => r !== null && !!r.reason);
}

/** A report that could not score (model failure) carries a message for the recruiter. */
export function failure(report: Json): string | null {
  return /failed/i.test(str(first(report, "status"))) ? str(first(report, "message")) || "Automatic scoring failed." : null;
}

const METRICS: [string, string, (v: unknown) => string | null][] = [
  ["candidate_turns", "Candidate turns", (v) => (num(v) === null ? null : String(num(v)))],
  ["talk_ratio", "Candidate share of talk", (v) => (num(v) === null ? null : `${Math.round((num(v) as number) * 100)}%`)],
  ["words_per_minute", "Words per minute", (v) => (num(v) === null ? null : (num(v) as number).toFixed(0))],
  ["fillers_per_minute", "Filler words per minute", (v) => (num(v) === null ? null : (num(v) as number).toFixed(1))],
  ["response_latency_s", "Median time to answer", (v) => (isObj(v) && num(v.median) !== null ? `${(num(v.median) as number).toFixed(1)} s` : null)],
  ["agent_latency_s", "Median interviewer reply latency", (v) => (isObj(v) && num(v.median) !== null ? `${(num(v.median) as number).toFixed(2)} s` : null)],
  ["tutor_mode_uses", "Concepts explained (tutor mode)", (v) => (num(v) === null ? null : String(num(v)))],
];

/** The objective, model-free measurements as label/value rows (missing ones skipped). */
export function metricRows(report: Json): [string, string][] {
  const m = first(report, "metrics");
  if (!isObj(m)) return [];
  const rows: [string, string][] = [];
  for (const [key, label, fmt] of METRICS) {
    const value = fmt(m[key]);
    if (value !== null) rows.push([label, value]);
  }
  return rows;
}

export function listEntries(value: unknown): ListEntry[] {
  if (typeof value === "string") return value.trim() ? [{ title: value, detail: "", extra: [] }] : [];
  if (!Array.isArray(value)) {
    if (isObj(value)) {
      const items = first(value, "items", "steps", "topics", "entries");
      if (Array.isArray(items)) return listEntries(items);
    }
    return [];
  }
  return value
    .map((v): ListEntry | null => {
      if (typeof v === "string") return { title: v, detail: "", extra: [] };
      if (!isObj(v)) return null;
      const title = str(first(v, "title", "topic", "point", "text", "skill", "area", "name", "summary"));
      const detail = str(first(v, "detail", "details", "why", "reason", "description", "evidence", "suggestion", "how"));
      const extraRaw = first(v, "resources", "actions", "exercises", "next_steps", "steps");
      const extra = (Array.isArray(extraRaw) ? extraRaw : [])
        .map((x) => (isObj(x) ? str(first(x, "title", "name", "text", "url")) : str(x)))
        .filter(Boolean);
      return title || detail ? { title: title || detail, detail: title ? detail : "", extra } : null;
    })
    .filter((x): x is ListEntry => x !== null);
}

export function recommendation(report: Json): { value: string; rationale: string } | null {
  const r = first(report, "recommendation", "hiring_recommendation");
  if (typeof r === "string") return { value: r, rationale: str(first(report, "recommendation_rationale")) };
  if (isObj(r)) {
    return {
      value: str(first(r, "value", "decision", "label")),
      rationale: [str(first(r, "advice", "rationale", "reason", "summary")), str(first(r, "basis"))]
        .filter(Boolean)
        .map((t, i) => (i === 0 ? t : `(${t})`))
        .join(" "),
    };
  }
  return null;
}

export function overallScore(report: Json | null, fallback: number | null): number | null {
  return (report && num(first(report, "overall_score", "overall", "score"))) ?? fallback;
}

// --- DOM pieces ---------------------------------------------------------------------

export function listSection(title: string, entries: ListEntry[], id: string, empty = "Nothing noted."): HTMLElement {
  return h("section", { class: "report-list", "aria-labelledby": id },
    h("h2", { id }, title),
    entries.length
      ? h("ul", {}, entries.map((e) =>
          h("li", {},
            e.detail || e.extra.length ? h("strong", {}, e.title) : e.title,
            e.detail ? h("span", { class: "detail" }, " — ", e.detail) : null,
            e.extra.length ? h("ul", { class: "extra" }, e.extra.map((x) => h("li", {}, x))) : null,
          ),
        ))
      : h("p", { class: "hint" }, empty),
  );
}

/** Horizontal 1–5 score bars as inline SVG (no chart library: a few rectangles suffice). */
export function scoreChart(items: Score[]): SVGElement {
  const rowH = 30;
  const labelW = 180;
  const barW = 260;
  const width = labelW + barW + 60;
  const height = items.length * rowH + 24;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", class: "score-chart" });
  const title = svg("title", {});
  title.textContent = items.map((s) => `${s.name}: ${s.score ?? "n/a"} of 5`).join("; ");
  root.appendChild(title);
  for (let tick = 1; tick <= 5; tick++) {
    const x = labelW + ((tick - 1) / 4) * barW;
    root.appendChild(svg("line", { x1: x, x2: x, y1: 0, y2: height - 20, class: "grid" }));
    const t = svg("text", { x, y: height - 6, "text-anchor": "middle", class: "tick" });
    t.textContent = String(tick);
    root.appendChild(t);
  }
  items.forEach((s, i) => {
    const y = i * rowH + 6;
    const label = svg("text", { x: labelW - 8, y: y + 13, "text-anchor": "end", class: "label" });
    label.textContent = s.name;
    root.appendChild(label);
    const value = s.score ?? 0;
    const w = s.score === null ? 0 : Math.max(2, ((Math.min(5, value) - 1) / 4) * barW);
    const cls = s.unsupported ? "bar unsupported" : s.disagreement ? "bar disagreement" : "bar";
    root.appendChild(svg("rect", { x: labelW, y, width: w, height: 18, rx: 3, class: cls }));
    const v = svg("text", { x: labelW + w + 6, y: y + 13, class: "value" });
    v.textContent = (s.score === null ? "n/a" : value.toFixed(1)) + (s.unsupported ? " ⚠" : s.disagreement ? " ≠" : "");
    root.appendChild(v);
  });
  return root;
}

export function scoreDetails(items: Score[], onSeek?: (at: number) => void): HTMLElement {
  return h("div", { class: "score-details" }, items.map((s) =>
    h("article", {
      class: `score-card${s.unsupported ? " unsupported" : ""}${s.disagreement ? " disagreement" : ""}`,
      "data-dimension": s.key,
    },
      h("header", {},
        h("h3", {}, s.name),
        h("span", { class: "score-value" }, s.score === null ? "n/a" : `${s.score.toFixed(1)} / 5`),
      ),
      s.unsupported
        ? h("p", { class: "badge warn" },
            "Unsupported: its evidence was not found in the transcript, so it is excluded from the overall score",
            s.runs.length ? ` (the runs said ${s.runs.join(" and ")}).` : ".",
          )
        : null,
      s.disagreement
        ? h("p", { class: "badge review" }, `Runs disagree${s.runs.length ? ` (${s.runs.join(" vs ")})` : ""}: needs human review.`)
        : null,
      s.rationale ? h("p", {}, s.rationale) : null,
      s.evidence.length
        ? h("ul", { class: "evidence" }, s.evidence.map((e) =>
            h("li", {},
              h("q", {}, e.quote),
              e.at !== null && onSeek
                ? h("button", { type: "button", class: "link seek", onclick: () => onSeek(e.at as number) }, "play")
                : null,
            ),
          ))
        : null,
      s.rejected.length
        ? h("details", { class: "rejected" },
            h("summary", {}, `${s.rejected.length} quote${s.rejected.length === 1 ? "" : "s"} not found in the transcript`),
            h("ul", { class: "evidence" }, s.rejected.map((q) => h("li", {}, h("q", {}, q)))),
          )
        : null,
    ),
  ));
}
