/** Navigation without importing the router (pages must not import main.ts: a cycle). */

export const NAVIGATE_EVENT = "app:navigate";

export function navigate(path: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}
