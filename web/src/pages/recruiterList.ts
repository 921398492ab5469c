/**
 * Recruiters' list of interviews. The credential lives in sessionStorage only; a 401/403
 * from any call signs the recruiter out and shows the sign-in form again.
 */

import { ApiError, type InterviewSummary, listInterviews } from "../api";
import { formatDate, formatDuration, h, humanize, mount } from "../dom";
import { navigate } from "../nav";
import { recruiterToken, setRecruiterToken } from "../session";

const PAGE = 100;
const STATUSES = ["", "created", "live", "ended", "evaluated", "failed"];

export function recruiterListPage(): void {
  const token = recruiterToken();
  if (!token) {
    signIn();
    return;
  }
  void showList(token);
}

export function signIn(message?: string): void {
  const input = h("input", {
    id: "recruiter-token",
    type: "password",
    autocomplete: "current-password",
    "aria-describedby": "token-error",
    required: true,
  });
  const error = h("p", { class: "field-error", id: "token-error", hidden: !message }, message ?? "");
  const button = h("button", { type: "submit", class: "button primary" }, "Sign in");
  const form = h("form", { class: "card narrow form", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Recruiter sign-in"),
    h("p", { class: "lead" }, "Enter the recruiter access token your administrator gave you."),
    h("div", { class: "field" }, h("label", { for: "recruiter-token" }, "Access token"), input, error),
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) {
      error.textContent = "Enter your access token.";
      error.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      await listInterviews(value, { limit: 1 });
      setRecruiterToken(value);
      const next = new URLSearchParams(location.search).get("next");
      navigate(next && next.startsWith("/recruiter/") ? next : "/recruiter", { replace: true });
    } catch (e) {
      error.textContent =
        e instanceof ApiError && (e.status === 401 || e.status === 403)
          ? "That access token was not accepted."
          : e instanceof Error
            ? e.message
            : String(e);
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
  mount(form);
}

/** Shared by recruiter pages: a rejected credential means sign in again. */
export function handleAuthError(e: unknown): boolean {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    setRecruiterToken(null);
    signIn("Your session has expired or the access token is no longer valid. Sign in again.");
    return true;
  }
  return false;
}

async function showList(token: string): Promise<void> {
  let items: InterviewSummary[] = [];
  let total = 0;
  let status = new URLSearchParams(location.search).get("status") ?? "";

  const search = h("input", { id: "search", type: "search", placeholder: "Role, candidate or id", "aria-label": "Search interviews" });
  const statusSelect = h("select", { id: "status-filter", "aria-label": "Filter by status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, s ? humanize(s) : "All statuses")),
  );
  const flaggedOnly = h("input", { type: "checkbox", id: "flagged-only" });
  const tbody = h("tbody");
  const count = h("p", { class: "hint", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "button", hidden: true }, "Load more");
  const signOut = h("button", { type: "button", class: "button subtle" }, "Sign out");
  signOut.addEventListener("click", () => {
    setRecruiterToken(null);
    signIn();
  });

  const load = async (append: boolean): Promise<void> => {
    try {
      const page = await listInterviews(token, { status: status || undefined, limit: PAGE, offset: append ? items.length : 0 });
      items = append ? items.concat(page.items) : page.items;
      total = page.total;
      renderRows();
    } catch (e) {
      if (!handleAuthError(e)) {
        count.textContent = `Could not load interviews: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  };

  const renderRows = (): void => {
    const q = search.value.trim().toLowerCase();
    const shown = items.filter((it) => {
      if (flaggedOnly.checked && !(it.flags?.length)) return false;
      if (!q) return true;
      return [it.role, it.candidate_name ?? "", it.id, it.interview_type, it.level].some((v) => v.toLowerCase().includes(q));
    });
    tbody.replaceChildren(
      ...shown.map((it) => {
        const href = `/recruiter/interviews/${encodeURIComponent(it.id)}`;
        const duration =
          it.started_at && it.ended_at ? (Date.parse(it.ended_at) - Date.parse(it.started_at)) / 1000 : null;
        return h("tr", { "data-id": it.id },
          h("td", {}, h("a", { href, "data-link": true }, it.candidate_name || "Anonymous"), h("div", { class: "sub" }, it.id.slice(0, 8))),
          h("td", {}, it.role, h("div", { class: "sub" }, `${humanize(it.level)} · ${humanize(it.interview_type)}`)),
          h("td", {}, h("span", { class: `status status-${it.status}` }, humanize(it.status))),
          h("td", {}, formatDate(it.created_at)),
          h("td", { class: "num" }, formatDuration(duration)),
          h("td", { class: "num" }, it.overall_score === null || it.overall_score === undefined ? "—" : it.overall_score.toFixed(1)),
          h("td", {}, (it.flags ?? []).map((f) => h("span", { class: "flag" }, humanize(f)))),
        );
      }),
    );
    if (!shown.length) {
      tbody.appendChild(h("tr", {}, h("td", { colspan: 7, class: "empty" }, items.length ? "No interviews match your search." : "No interviews yet.")));
    }
    count.textContent = `Showing ${shown.length} of ${total} interview${total === 1 ? "" : "s"}`;
    more.hidden = items.length >= total;
  };

  search.addEventListener("input", renderRows);
  flaggedOnly.addEventListener("change", renderRows);
  statusSelect.addEventListener("change", () => {
    status = statusSelect.value;
    history.replaceState(null, "", status ? `/recruiter?status=${status}` : "/recruiter");
    void load(false);
  });
  more.addEventListener("click", () => void load(true));

  mount(
    h("section", { class: "card wide", "aria-labelledby": "list-title" },
      h("div", { class: "title-row" }, h("h1", { id: "list-title" }, "Interviews"), signOut),
      h("div", { class: "filters", role: "search" },
        search,
        statusSelect,
        h("label", { class: "inline" }, flaggedOnly, " Flagged only"),
      ),
      count,
      h("div", { class: "table-wrap" },
        h("table", { class: "interviews" },
          h("caption", { class: "visually-hidden" }, "Interviews, newest first"),
          h("thead", {}, h("tr", {},
            ["Candidate", "Role", "Status", "Date", "Duration", "Score", "Flags"].map((c) => h("th", { scope: "col" }, c)),
          )),
          tbody,
        ),
      ),
      more,
    ),
  );
  await load(false);
}
