/**
 * The candidate's profile key: their private, password-less credential for "your progress".
 * It lives in localStorage (not sessionStorage like the interview token) so feedback and
 * progress survive closing the tab, and it travels only in the `X-Profile-Key` header or in
 * the fragment of the progress link (`/progress#key=…`), which browsers never send to a server.
 */

const PROFILE_KEY = "candidate.profile_key";

export function profileKey(): string | null {
  try {
    return localStorage.getItem(PROFILE_KEY);
  } catch {
    return null;
  }
}

export function saveProfileKey(key: string): void {
  localStorage.setItem(PROFILE_KEY, key);
}

export function forgetProfileKey(): void {
  localStorage.removeItem(PROFILE_KEY);
}

/** The link the candidate can keep (or open in another browser) to see their progress. */
export function progressLink(key: string): string {
  return `${location.origin}/progress#key=${encodeURIComponent(key)}`;
}

/** A key arriving in the progress link's fragment: stored, then removed from the address bar. */
export function adoptKeyFromLocation(): void {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  saveProfileKey(decodeURIComponent(match[1]));
  history.replaceState(null, "", location.pathname + location.search);
}
