/**
 * Recruiter sign-in with an email and a password. The session is an HttpOnly cookie the
 * page cannot read; the page keeps only the session's CSRF token (sessionStorage), which it
 * sends with every call. After a reload the token is fetched again from `/api/auth/me`. A
 * 401/403 from any call signs the recruiter out and shows the sign-in form with the reason.
 */

import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from "react";
import { ApiError, currentSession, signIn, signOutSession } from "../../api";
import { errorText } from "../../format";
import { recruiterToken, setRecruiterToken } from "../../session";

export interface RecruiterAuth {
  /** The session's CSRF token (not a credential by itself: the cookie is). */
  token: string;
  /** End the session; with a message when it was refused rather than a choice. */
  signOut: (message?: string) => void;
  /** Returns true (and signs out) when `e` means the session is no longer accepted. */
  handleAuthError: (e: unknown) => boolean;
}

export function RecruiterGate({ children }: { children: (auth: RecruiterAuth) => ReactNode }) {
  const [token, setToken] = useState<string | null>(recruiterToken);
  const [checking, setChecking] = useState(token === null);
  const [message, setMessage] = useState<string | undefined>();

  useEffect(() => {
    if (!checking) return;
    let live = true;
    currentSession().then(
      (session) => {
        if (!live) return;
        setRecruiterToken(session.csrf_token);
        setToken(session.csrf_token);
        setChecking(false);
      },
      () => live && setChecking(false),
    );
    return () => {
      live = false;
    };
  }, [checking]);

  const signOut = useCallback(
    (why?: string) => {
      if (!why && token) void signOutSession(token).catch(() => undefined);
      setRecruiterToken(null);
      setToken(null);
      setMessage(why);
    },
    [token],
  );
  const handleAuthError = useCallback(
    (e: unknown): boolean => {
      if (e instanceof ApiError && e.isAuth) {
        signOut("Your session has ended. Sign in again.");
        return true;
      }
      return false;
    },
    [signOut],
  );

  if (checking) return null;
  if (!token) {
    return (
      <SignIn
        message={message}
        onSignedIn={(t) => {
          setRecruiterToken(t);
          setToken(t);
        }}
      />
    );
  }
  return <>{children({ token, signOut, handleAuthError })}</>;
}

function SignIn({ message, onSignedIn }: { message?: string; onSignedIn: (csrfToken: string) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>(message);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (!email.trim() || !password) {
      setError("Enter your email and password.");
      return;
    }
    setBusy(true);
    try {
      const session = await signIn(email.trim(), password);
      onSignedIn(session.csrf_token);
    } catch (e) {
      setError(e instanceof ApiError && (e.isAuth || e.status === 429) ? e.message : errorText(e));
      document.getElementById("recruiter-password")?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card narrow form" aria-labelledby="signin-title" onSubmit={(e) => void submit(e)}>
      <h1 id="signin-title">Recruiter sign-in</h1>
      <p className="lead">Sign in with the account your administrator created for you.</p>
      <div className="field">
        <label htmlFor="recruiter-email">Email</label>
        <input
          id="recruiter-email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="recruiter-password">Password</label>
        <input
          id="recruiter-password"
          type="password"
          autoComplete="current-password"
          aria-describedby="signin-error"
          aria-invalid={error ? true : undefined}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error ? (
          <p className="field-error" id="signin-error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy}>
          Sign in
        </button>
      </div>
    </form>
  );
}
