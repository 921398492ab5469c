/**
 * On the device check: what the interview plan is made of, said honestly. When the planner
 * fell back to the question bank (no Google key, a timeout, an unusable answer), the
 * candidate is told the questions are not tailored to their CV or the job; while the plan
 * is still being written (they went on before it was ready), that is said too, and the
 * notice follows it until it is done. Nothing is shown for a plan Gemini wrote.
 *
 * The status comes from the candidate's own endpoint (`/feedback`, participant token).
 */

import { useEffect, useState } from "react";
import { getFeedback } from "../api";
import type { FeedbackResponse } from "../generated/contracts";
import { currentInterview } from "../session";

const POLL_MS = 3000;

export function PlanNotice() {
  const [state, setState] = useState<FeedbackResponse | null>(null);

  useEffect(() => {
    const session = currentInterview();
    if (!session) return;
    let stopped = false;
    let timer = 0;
    const poll = async (): Promise<void> => {
      try {
        const result = await getFeedback(session.interview_id, { token: session.participant_token });
        if (stopped) return;
        setState(result);
        if (result.status !== "preparing") return;
      } catch {
        if (stopped) return; // a notice is not worth an error message: try again quietly
      }
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, []);

  if (state?.status === "preparing") {
    return (
      <p className="alert info" id="plan-notice" role="status">
        Your questions are still being prepared; the interviewer waits for them when you join.
      </p>
    );
  }
  if (state?.plan_source === "fallback") {
    return (
      <p className="alert info" id="plan-notice" role="status">
        Your questions were prepared from our question bank for this role and level: this time they are not
        tailored to your CV or the job description.
      </p>
    );
  }
  return null;
}
