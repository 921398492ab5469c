/**
 * The interview's plan in one line under the review's title: language, planned length, how
 * many planned questions and competencies, and who wrote the questions. A plan from the
 * question bank says why the planner fell back (no Google key, a timeout, an unusable
 * answer), so a recruiter does not read generic questions as tailored ones. The questions
 * themselves, asked or skipped with their outcomes, are in the report (report.html).
 */

import type { InterviewPlan } from "../../generated/contracts";
import { languageName, useInterviewOptions } from "../../interviewOptions";

export function PlanSummary({ plan }: { plan: InterviewPlan }) {
  const options = useInterviewOptions();
  const design = plan.design;
  return (
    <p className="meta plan-summary" id="plan-summary">
      In {languageName(options, plan.language)} · {plan.planned_minutes} minutes planned
      {design ? (
        <>
          {" "}
          · {design.questions.length} planned questions over {design.competencies.length} competencies ·{" "}
          {design.source === "fallback" ? (
            <span id="plan-source">
              questions from the question bank{design.fallback_reason ? ` (${design.fallback_reason})` : ""}
            </span>
          ) : (
            <span id="plan-source">questions written by Gemini for this role and candidate</span>
          )}
        </>
      ) : (
        " · no plan yet"
      )}
    </p>
  );
}
