/**
 * Recruiter sign-in. The credential lives in sessionStorage only; a 401/403 from any call
 * signs the recruiter out and shows the sign-in form again, with the reason.
 */

import { type FormEvent, type ReactNode, useCallback, useState } from "react";
import { ApiError, listInterviews } from "../../api";
import { errorText } from "../../format";
import { recruiterToken, setRecruiterToken } from "../../session";

export interface RecruiterAuth {
  token: string;
  /** Forget the credential; with a message when it was refused rather than a choice. */
  signOut: (message?: string) => void;
  /** Returns true (and signs out) when `e` means the credential is no longer accepted. */
  handleAuthError: (e: unknown) => boolean;
}

export function RecruiterGate({ children }: { children: (auth: RecruiterAuth) => ReactNode }) {
  const [token, setToken] = useState<string | null>(recruiterToken);
  const [message, setMessage] = useState<string | undefined>();

  const signOut = useCallback((why?: string) => {
    setRecruiterToken(null);
    setToken(null);
    setMessage(why);
  }, []);
  const handleAuthError = useCallback(
    (e: unknown): boolean => {
      if (e instanceof ApiError && e.isAuth) {
        signOut("Your session has expired or the access token is no longer valid. Sign in again.");
        return true;
      }
      return false;
    },
    [signOut],
  );

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

function SignIn({ message, onSignedIn }: { message?: string; onSignedIn: (token: string) => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | undefined>(message);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const candidate = value.trim();
    if (!candidate) {
      setError("Enter your access token.");
      return;
    }
    setBusy(true);
    try {
      await listInterviews(candidate, { limit: 1 });
      onSignedIn(candidate);
    } catch (e) {
      setError(e instanceof ApiError && e.isAuth ? "That access token was not accepted." : errorText(e));
      document.getElementById("recruiter-token")?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card narrow form" aria-labelledby="signin-title" onSubmit={(e) => void submit(e)}>
      <h1 id="signin-title">Recruiter sign-in</h1>
      <p className="lead">Enter the recruiter access token your administrator gave you.</p>
      <div className="field">
        <label htmlFor="recruiter-token">Access token</label>
        <input
          id="recruiter-token"
          type="password"
          autoComplete="current-password"
          aria-describedby="token-error"
          aria-invalid={error ? true : undefined}
          required
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        {error ? (
          <p className="field-error" id="token-error">
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
