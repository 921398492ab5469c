/**
 * The report, as evals rendered it from the typed model: one template (report.html) for
 * this page and for the file a recruiter saves or shares. It is embedded in a sandboxed
 * iframe (no scripts, opaque origin: it holds model output and transcript text). When the
 * detail says there is no page to show, the panel says why instead of a broken frame.
 */

import { reportHtmlUrl } from "../../api";
import type { InterviewDetail } from "../../generated/contracts";

export function ReportPanel({ record }: { record: InterviewDetail }) {
  const { state, error } = record.report_render;
  const url = reportHtmlUrl(record) ?? undefined;
  let body;
  if (record.report_issue) {
    body = (
      <div className="alert error" role="alert" id="report-status">
        The stored report cannot be shown: {record.report_issue}
      </div>
    );
  } else if (state === "rendered" && record.report_html_url) {
    body = (
      <>
        <iframe title="Full report" className="report-frame" src={url} sandbox="" loading="lazy" />
        <p className="hint">
          <a href={url} target="_blank" rel="noopener noreferrer">
            Open the report in a new tab
          </a>{" "}
          to print or save it.
        </p>
      </>
    );
  } else if (state === "failed") {
    body = (
      <div className="alert error" role="alert" id="report-status">
        The report was evaluated but its page could not be drawn{error ? `: ${error}` : "."} The scores are
        stored; re-running the evaluation will redraw it.
      </div>
    );
  } else {
    body = (
      <p className="hint" id="report-status">
        {record.status === "ended" || record.status === "live"
          ? "The evaluation is in progress. Reload in a minute."
          : record.status === "failed"
            ? "No report was produced because the interview failed."
            : "No report has been produced for this interview yet."}
      </p>
    );
  }
  return (
    <section className="card report" aria-labelledby="report-title">
      <h2 id="report-title">Report</h2>
      {body}
    </section>
  );
}
