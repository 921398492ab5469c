import { h, mount } from "../dom";

/** Shown when a candidate page is opened in a tab that never created an interview. */
export function noSession(): void {
  mount(
    h("section", { class: "card narrow" },
      h("h1", {}, "No interview in this tab"),
      h("p", {},
        "Interviews are tied to the browser tab they were created in. Start a new one: it only takes a minute.",
      ),
      h("a", { href: "/", "data-link": true, class: "button primary" }, "Set up an interview"),
    ),
  );
}

export function errorPanel(
  title: string,
  message: string,
  actions: HTMLElement[],
  detail?: string,
): HTMLElement {
  return h("section", { class: "card narrow error-panel", role: "alert", "aria-labelledby": "error-title" },
    h("h1", { id: "error-title" }, title),
    h("p", {}, message),
    detail ? h("details", {}, h("summary", {}, "Technical details"), h("pre", {}, detail)) : null,
    h("div", { class: "actions" }, actions),
  );
}
