/**
 * Typed calls to the token server. Every body type comes from `generated/contracts.ts`
 * (generated from the pydantic models), so a renamed or removed field is a compile error
 * here rather than an `undefined` on screen. Errors carry the server's message and field.
 */

import type {
  ApiKeyList,
  AuditPage,
  CreatedApiKey,
  CreatedUser,
  NewApiKeyBody,
  NewUserBody,
  SignedInUser,
  UserAccount,
  UserList,
  UserUpdateBody,
  ConsentNotice,
  CreatedInterview,
  ErrorBody,
  FeedbackResponse,
  InterviewDetail,
  InterviewListPage,
  InterviewOptions,
  InterviewStatus,
  CandidateGroupList,
  CreatedInvitation,
  Invitation,
  InvitationList,
  InvitationView,
  ProgressResponse,
  TemplateBody,
  TemplateList,
} from "./generated/contracts";
import { forgetProfileKey, profileKey, saveProfileKey } from "./profile";

const PROFILE_HEADER = "X-Profile-Key";

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

/** `POST /api/auth/sign-in` and `GET /api/auth/me`: the account and the session's CSRF token. */
export type { SignedInUser };

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

/**
 * Creates the interview (the form must carry `consent=true`). The browser's profile key, if
 * any, attaches it to the candidate's profile; a new key (first interview) is kept. A key the
 * server no longer knows is forgotten and the request sent once more without it.
 */
export async function createInterview(form: FormData): Promise<CreatedInterview> {
  const key = profileKey();
  try {
    const created = await request<CreatedInterview>("/api/interviews", {
      method: "POST",
      body: form,
      headers: key ? { [PROFILE_HEADER]: key } : {},
    });
    if (created.profile_key) saveProfileKey(created.profile_key);
    return created;
  } catch (e) {
    if (key && e instanceof ApiError && e.field === "profile_key") {
      forgetProfileKey();
      return createInterview(form);
    }
    throw e;
  }
}

/** The create form's choices (languages, lengths), from the lists the server validates against. */
export function getInterviewOptions(): Promise<InterviewOptions> {
  return request<InterviewOptions>("/api/interview-options");
}

/** A candidate proves who they are with the interview's participant token or their profile key. */
export type CandidateCredential = { token: string } | { profileKey: string };

function candidateHeaders(credential: CandidateCredential): HeadersInit {
  return "token" in credential ? bearer(credential.token) : { [PROFILE_HEADER]: credential.profileKey };
}

export function getFeedback(interviewId: string, credential: CandidateCredential): Promise<FeedbackResponse> {
  return request<FeedbackResponse>(`${interviewPath(interviewId)}/feedback`, {
    headers: candidateHeaders(credential),
    cache: "no-store",
  });
}

export async function deleteMyInterview(interviewId: string, credential: CandidateCredential): Promise<void> {
  await request<unknown>(`${interviewPath(interviewId)}/mine`, {
    method: "DELETE",
    headers: candidateHeaders(credential),
  });
}

export function getConsentNotice(): Promise<ConsentNotice> {
  return request<ConsentNotice>("/api/consent", { cache: "no-store" });
}

export function getInvitation(token: string): Promise<InvitationView> {
  return request<InvitationView>(`/api/invitations/${encodeURIComponent(token)}`, { cache: "no-store" });
}

export async function setProfileEmail(key: string, email: string | null): Promise<void> {
  await request<unknown>("/api/profile/email", {
    method: "PUT",
    headers: { [PROFILE_HEADER]: key, "Content-Type": "application/json" },
    body: JSON.stringify({ email }),
  });
}

export function getProgress(key: string): Promise<ProgressResponse> {
  return request<ProgressResponse>("/api/profile", { headers: { [PROFILE_HEADER]: key }, cache: "no-store" });
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

// --- recruiters: templates, invitations, candidates, exports ----------------------------------

export function listTemplates(token: string): Promise<TemplateList> {
  return request<TemplateList>("/api/templates", { headers: recruiter(token), cache: "no-store" });
}

export function createTemplate(token: string, body: TemplateBody): Promise<unknown> {
  return request<unknown>("/api/templates", {
    method: "POST",
    headers: { ...recruiter(token), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export function createInvitation(
  token: string,
  templateId: string,
  label: { candidate_name?: string; candidate_email?: string },
): Promise<CreatedInvitation> {
  return request<CreatedInvitation>(`/api/templates/${encodeURIComponent(templateId)}/invitations`, {
    method: "POST",
    headers: { ...recruiter(token), "Content-Type": "application/json" },
    body: JSON.stringify(label),
  });
}

/** Withdraw an unused invitation link (recruiter; 409 once it started an interview). */
export function revokeInvitation(token: string, invitationId: string): Promise<Invitation> {
  return request<Invitation>(`/api/invitations/${encodeURIComponent(invitationId)}/revoke`, {
    method: "POST",
    headers: recruiter(token),
  });
}

export function listInvitations(token: string): Promise<InvitationList> {
  return request<InvitationList>("/api/invitations", { headers: recruiter(token), cache: "no-store" });
}

export function listCandidates(token: string): Promise<CandidateGroupList> {
  return request<CandidateGroupList>("/api/candidates", { headers: recruiter(token), cache: "no-store" });
}

/** A short-lived signed download link for a reports export (the browser cannot send a header). */
export async function exportLink(
  token: string,
  format: "csv" | "json",
  status?: InterviewStatus,
): Promise<string> {
  const q = new URLSearchParams({ format });
  if (status) q.set("status", status);
  const body = await request<{ url: string }>(`/api/exports/link?${q}`, {
    headers: recruiter(token),
    cache: "no-store",
  });
  return body.url;
}

// --- accounts: own API keys (any signed-in user), users and the audit log (admins) ---------

/** The signed-in account's keys, revoked ones included (never a secret). */
export function listApiKeys(token: string): Promise<ApiKeyList> {
  return request<ApiKeyList>("/api/auth/api-keys", { headers: recruiter(token), cache: "no-store" });
}

/** A new key for the signed-in account: the answer carries the secret, this once. */
export function createApiKey(token: string, body: NewApiKeyBody): Promise<CreatedApiKey> {
  return request<CreatedApiKey>("/api/auth/api-keys", {
    method: "POST",
    headers: { ...recruiter(token), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function revokeApiKey(token: string, keyId: string): Promise<void> {
  await request<unknown>(`/api/auth/api-keys/${encodeURIComponent(keyId)}`, {
    method: "DELETE",
    headers: recruiter(token),
  });
}

const userPath = (id: string): string => `/api/users/${encodeURIComponent(id)}`;

export function listUsers(token: string): Promise<UserList> {
  return request<UserList>("/api/users", { headers: recruiter(token), cache: "no-store" });
}

/** A new account with a generated password, returned this once. */
export function createUser(token: string, body: NewUserBody): Promise<CreatedUser> {
  return request<CreatedUser>("/api/users", {
    method: "POST",
    headers: { ...recruiter(token), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Change the role or (de)activate; a field left out stays as it is. */
export function updateUser(token: string, id: string, change: Partial<UserUpdateBody>): Promise<UserAccount> {
  return request<UserAccount>(userPath(id), {
    method: "PATCH",
    headers: { ...recruiter(token), "Content-Type": "application/json" },
    body: JSON.stringify(change),
  });
}

/** A new generated password (returned this once); the old one stops working. */
export function resetPassword(token: string, id: string): Promise<CreatedUser> {
  return request<CreatedUser>(`${userPath(id)}/reset-password`, {
    method: "POST",
    headers: recruiter(token),
  });
}

/** Newest first; `before` (the oldest `seq` shown) pages back through older entries. */
export function getAuditLog(token: string, limit: number, before?: number): Promise<AuditPage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before !== undefined) query.set("before", String(before));
  return request<AuditPage>(`/api/audit?${query}`, { headers: recruiter(token), cache: "no-store" });
}
