/**
 * The page shell (top bar, main area, toast) and the route table. Each page is keyed by
 * its path, so moving between pages unmounts the previous one and its effects clean up.
 */

import { Fragment, lazy, type ReactNode, Suspense, useEffect, useRef } from "react";
import { Loading } from "./components/StatusPanels";
import { ToastHost } from "./components/Toast";
import { FeedbackPage } from "./pages/FeedbackPage";
import { PreparingPage } from "./pages/PreparingPage";
import { SetupPage } from "./pages/SetupPage";
import { Link, usePath } from "./router";

// LiveKit (device check, room) and the recruiter pages load on demand: the setup page a
// candidate lands on does not wait for either.
const DeviceCheckPage = lazy(() =>
  import("./pages/DeviceCheckPage").then((m) => ({ default: m.DeviceCheckPage })),
);
const RoomPage = lazy(() => import("./pages/room/RoomPage").then((m) => ({ default: m.RoomPage })));
const InvitePage = lazy(() => import("./pages/InvitePage").then((m) => ({ default: m.InvitePage })));
// the progress page carries the chart library: only candidates who open it download it
const ProgressPage = lazy(() => import("./pages/ProgressPage").then((m) => ({ default: m.ProgressPage })));
const RecruiterInvitationsPage = lazy(() =>
  import("./pages/recruiter/RecruiterInvitationsPage").then((m) => ({ default: m.RecruiterInvitationsPage })),
);
const RecruiterListPage = lazy(() =>
  import("./pages/recruiter/RecruiterListPage").then((m) => ({ default: m.RecruiterListPage })),
);
const RecruiterApiKeysPage = lazy(() =>
  import("./pages/recruiter/RecruiterApiKeysPage").then((m) => ({ default: m.RecruiterApiKeysPage })),
);
const RecruiterUsersPage = lazy(() =>
  import("./pages/recruiter/RecruiterUsersPage").then((m) => ({ default: m.RecruiterUsersPage })),
);
const RecruiterInterviewPage = lazy(() =>
  import("./pages/recruiter/RecruiterInterviewPage").then((m) => ({ default: m.RecruiterInterviewPage })),
);

interface Route {
  pattern: RegExp;
  title: string;
  render: (params: Record<string, string>) => ReactNode;
}

const ROUTES: Route[] = [
  { pattern: /^\/$/, title: "Set up your interview", render: () => <SetupPage /> },
  { pattern: /^\/preparing\/?$/, title: "Preparing your interview", render: () => <PreparingPage /> },
  { pattern: /^\/check\/?$/, title: "Check your camera and microphone", render: () => <DeviceCheckPage /> },
  { pattern: /^\/room\/?$/, title: "Interview", render: () => <RoomPage /> },
  {
    pattern: /^\/feedback\/(?<id>[^/]+)\/?$/,
    title: "Your feedback",
    render: (p) => <FeedbackPage id={p.id ?? ""} />,
  },
  { pattern: /^\/recruiter\/?$/, title: "Interviews", render: () => <RecruiterListPage /> },
  {
    pattern: /^\/recruiter\/interviews\/(?<id>[^/]+)\/?$/,
    title: "Interview review",
    render: (p) => <RecruiterInterviewPage id={p.id ?? ""} />,
  },
  {
    pattern: /^\/invite\/(?<token>[^/]+)\/?$/,
    title: "Your invitation",
    render: (p) => <InvitePage token={p.token ?? ""} />,
  },
  { pattern: /^\/progress\/?$/, title: "Your progress", render: () => <ProgressPage /> },
  {
    pattern: /^\/recruiter\/invitations\/?$/,
    title: "Invitations",
    render: () => <RecruiterInvitationsPage />,
  },
  { pattern: /^\/recruiter\/api-keys\/?$/, title: "API keys", render: () => <RecruiterApiKeysPage /> },
  { pattern: /^\/recruiter\/users\/?$/, title: "Users", render: () => <RecruiterUsersPage /> },
];

function resolve(path: string): { route: Route | null; params: Record<string, string> } {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) {
      const params = Object.fromEntries(
        Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
      return { route, params };
    }
  }
  return { route: null, params: {} };
}

export function App() {
  const path = usePath();
  const { route, params } = resolve(path);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = `${route?.title ?? "Not found"} · Mock interview`;
  }, [route]);

  // Move focus to the new page's heading so screen readers announce the change. Pages load
  // on demand and show a busy placeholder first: wait for the first settled heading.
  useEffect(() => {
    const area = main.current;
    if (!area) return;
    const focusHeading = (): boolean => {
      const heading = area.querySelector("h1");
      if (!(heading instanceof HTMLElement) || heading.closest('[aria-busy="true"]')) return false;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      return true;
    };
    if (focusHeading()) return;
    const observer = new MutationObserver(() => {
      if (focusHeading()) observer.disconnect();
    });
    observer.observe(area, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [path]);

  const recruiter = path.startsWith("/recruiter");
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link className="brand" href="/">
          Mock interview
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={recruiter || path.startsWith("/progress") ? undefined : "page"}>
            Practice
          </Link>
          <Link href="/progress" aria-current={path.startsWith("/progress") ? "page" : undefined}>
            Your progress
          </Link>
          <Link href="/recruiter" aria-current={recruiter ? "page" : undefined}>
            Recruiters
          </Link>
        </nav>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        {route ? (
          <Fragment key={path}>
            <Suspense fallback={<Loading title="Loading…" />}>{route.render(params)}</Suspense>
          </Fragment>
        ) : (
          <NotFound />
        )}
      </main>
      <ToastHost />
    </>
  );
}

function NotFound() {
  return (
    <section className="card narrow">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link href="/" className="button">
        Start a practice interview
      </Link>
    </section>
  );
}
