/**
 * A history-API router over a handful of pages. Each page renders into <main> and may
 * return a cleanup function (stop the camera, leave the room, stop polling) that runs
 * before the next page mounts, so nothing keeps running behind the user's back.
 */

import "./style.css";
import { h, mount } from "./dom";
import { NAVIGATE_EVENT, navigate } from "./nav";
import { deviceCheckPage } from "./pages/deviceCheck";
import { feedbackPage } from "./pages/feedback";
import { recruiterInterviewPage } from "./pages/recruiterInterview";
import { recruiterListPage } from "./pages/recruiterList";
import { roomPage } from "./pages/room";
import { setupPage } from "./pages/setup";

export type Cleanup = () => void;
export type Page = (params: Record<string, string>) => Cleanup | void | Promise<Cleanup | void>;

const routes: [RegExp, Page, string][] = [
  [/^\/$/, setupPage, "Set up your interview"],
  [/^\/check\/?$/, deviceCheckPage, "Check your camera and microphone"],
  [/^\/room\/?$/, roomPage, "Interview"],
  [/^\/feedback\/(?<id>[^/]+)\/?$/, feedbackPage, "Your feedback"],
  [/^\/recruiter\/?$/, recruiterListPage, "Interviews"],
  [/^\/recruiter\/interviews\/(?<id>[^/]+)\/?$/, recruiterInterviewPage, "Interview review"],
];

let cleanup: Cleanup | void = undefined;
let renderSeq = 0;


async function render(): Promise<void> {
  const seq = ++renderSeq;
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      console.error("page cleanup failed", e);
    }
    cleanup = undefined;
  }
  const path = location.pathname;
  for (const [pattern, page, title] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    document.title = `${title} · Mock interview`;
    markNav(path);
    const params = Object.fromEntries(
      Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
    );
    const result = await page(params);
    if (seq !== renderSeq) {
      // the user navigated away while the page was loading
      if (result) result();
      return;
    }
    cleanup = result;
    const main = document.getElementById("main");
    const heading = main?.querySelector("h1");
    if (heading instanceof HTMLElement) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    return;
  }
  document.title = "Not found · Mock interview";
  mount(
    h("section", { class: "card narrow" },
      h("h1", {}, "Page not found"),
      h("p", {}, "There is nothing at this address."),
      h("a", { href: "/", "data-link": true, class: "button" }, "Start a practice interview"),
    ),
  );
}

function markNav(path: string): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>(".topbar nav a")) {
    const href = a.getAttribute("href") ?? "";
    const active = href === "/" ? !path.startsWith("/recruiter") : path.startsWith(href);
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

document.addEventListener("click", (event) => {
  const target = event.target as Element | null;
  const link = target?.closest<HTMLAnchorElement>("a[data-link]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.getAttribute("href") ?? "/");
});

window.addEventListener("popstate", () => void render());
window.addEventListener(NAVIGATE_EVENT, () => void render());
void render();
