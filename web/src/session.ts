/**
 * What the browser remembers between pages. sessionStorage (not localStorage): a tab's
 * interview token and the recruiter session's CSRF token disappear when the tab closes (the
 * session itself is an HttpOnly cookie scripts cannot read). Device
 * choices are LiveKit's `usePersistentUserChoices` (no secrets in them).
 */

import type { CreatedInterview } from "./generated/contracts";

const INTERVIEW_KEY = "interview.session";
const RECRUITER_KEY = "recruiter.csrf";

export interface CandidateSession extends CreatedInterview {
  /** When this browser received the token (ms since epoch), to measure its age locally. */
  created_at: number;
}

export function saveInterview(created: CreatedInterview): CandidateSession {
  const session = { ...created, created_at: Date.now() };
  sessionStorage.setItem(INTERVIEW_KEY, JSON.stringify(session));
  return session;
}

export function currentInterview(): CandidateSession | null {
  try {
    const raw = sessionStorage.getItem(INTERVIEW_KEY);
    return raw ? (JSON.parse(raw) as CandidateSession) : null;
  } catch {
    return null;
  }
}

export function recruiterToken(): string | null {
  return sessionStorage.getItem(RECRUITER_KEY);
}

export function setRecruiterToken(token: string | null): void {
  if (token) sessionStorage.setItem(RECRUITER_KEY, token);
  else sessionStorage.removeItem(RECRUITER_KEY);
}

/**
 * Seconds of validity left on a participant token, or null if it cannot be read (it is
 * never verified here). Measured as the token's lifetime (exp − nbf) minus the time since
 * this browser received it, so a wrong clock on the candidate's machine does not matter.
 */
export function tokenSecondsLeft(jwt: string, receivedAtMs: number): number | null {
  try {
    const payload = jwt.split(".")[1] ?? "";
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as {
      exp?: unknown;
      nbf?: unknown;
    };
    if (typeof json.exp !== "number") return null;
    if (typeof json.nbf === "number" && receivedAtMs > 0) {
      return json.exp - json.nbf - (Date.now() - receivedAtMs) / 1000;
    }
    return json.exp - Date.now() / 1000;
  } catch {
    return null;
  }
}
