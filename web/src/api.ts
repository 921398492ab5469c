/**
 * Typed calls to the token server. Every body type comes from `generated/contracts.ts`
 * (generated from the pydantic models), so a renamed or removed field is a compile error
 * here rather than an `undefined` on screen. Errors carry the server's message and field.
 */

import type {
  CreatedInterview,
  ErrorBody,
  FeedbackResponse,
  InterviewDetail,
  InterviewListPage,
  InterviewStatus,
} from "./generated/contracts";

export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;

  constructor(status: number, message: string, field: string | null = null) {
    super(message);
    this.status = status;
    this.field = field;
  }

  /** The recruiter credential was refused: sign in again. */
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === "object" && body !== null && typeof (body as ErrorBody).error === "string";
}

async function request<T>(url: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "The server could not be reached. Check your connection and try again.");
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    if (isErrorBody(body)) throw new ApiError(response.status, body.error, body.field ?? null);
    throw new ApiError(
      response.status,
      `The server answered ${response.status} ${response.statusText}`.trim(),
    );
  }
  return body as T;
}

function bearer(token: string): HeadersInit {
  return { Authorization: `Bearer ${token}` };
}

const CSRF_HEADER = "X-CSRF-Token";

/**
 * Recruiter calls ride on the HttpOnly session cookie (sent by fetch to this origin); every
 * call also carries the session's CSRF token, which the server requires on state changes.
 */
function recruiter(csrfToken: string): HeadersInit {
  return { [CSRF_HEADER]: csrfToken };
}

/** `POST /api/auth/sign-in` and `GET /api/auth/me` (`SignedInUser` in interview_store/accounts.py). */
export interface SignedInUser {
  user: { id: string; email: string; display_name: string; role: "admin" | "recruiter" | "viewer" };
  csrf_token: string;
  expires_at: string;
}

export function signIn(email: string, password: string): Promise<SignedInUser> {
  return request<SignedInUser>("/api/auth/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
}

/** The session the cookie still holds (after a reload), or a 401. */
export function currentSession(): Promise<SignedInUser> {
  return request<SignedInUser>("/api/auth/me", { cache: "no-store" });
}

export async function signOutSession(csrfToken: string): Promise<void> {
  await request<unknown>("/api/auth/sign-out", { method: "POST", headers: recruiter(csrfToken) });
}

const interviewPath = (id: string): string => `/api/interviews/${encodeURIComponent(id)}`;

export function createInterview(form: FormData): Promise<CreatedInterview> {
  return request<CreatedInterview>("/api/interviews", { method: "POST", body: form });
}

export function getFeedback(interviewId: string, participantToken: string): Promise<FeedbackResponse> {
  return request<FeedbackResponse>(`${interviewPath(interviewId)}/feedback`, {
    headers: bearer(participantToken),
    cache: "no-store",
  });
}

export function listInterviews(
  token: string,
  { status, limit = 100, offset = 0 }: { status?: InterviewStatus; limit?: number; offset?: number } = {},
): Promise<InterviewListPage> {
  const q = new URLSearchParams();
  if (status) q.set("status", status);
  q.set("limit", String(limit));
  q.set("offset", String(offset));
  return request<InterviewListPage>(`/api/interviews?${q}`, { headers: recruiter(token), cache: "no-store" });
}

export function getInterview(token: string, id: string): Promise<InterviewDetail> {
  return request<InterviewDetail>(interviewPath(id), { headers: recruiter(token), cache: "no-store" });
}

export async function deleteInterview(token: string, id: string): Promise<void> {
  await request<unknown>(interviewPath(id), { method: "DELETE", headers: recruiter(token) });
}

/**
 * Media elements and iframes cannot send headers: the API hands out short-lived links signed
 * for one resource of one interview (no credential in the URL).
 */
export function recordingUrl(record: InterviewDetail, index: number): string | null {
  return record.recordings[index]?.url ?? null;
}

export function reportHtmlUrl(record: InterviewDetail): string | null {
  return record.report_html_url;
}
