/**
 * Who is signed in (from `/api/auth/me`), and the links to the account pages: "API keys" for
 * everyone, "Users" for admins only. The gate keeps only the CSRF token, so the role is asked
 * for here; the server refuses non-admins anyway (403), the hidden link only spares them a
 * dead end.
 */

import { useEffect, useRef, useState } from "react";
import { currentSession } from "../../api";
import type { UserAccount } from "../../generated/contracts";
import { Link } from "../../router";

/**
 * The signed-in account; `undefined` while asking, `null` if the question failed (then
 * `onError`, e.g. the gate's `handleAuthError`, hears why: a 401 means the session ended).
 */
export function useSignedInAccount(onError?: (e: unknown) => void): UserAccount | null | undefined {
  const [account, setAccount] = useState<UserAccount | null | undefined>(undefined);
  const report = useRef(onError);
  useEffect(() => {
    report.current = onError;
  });
  useEffect(() => {
    let live = true;
    currentSession().then(
      (session) => live && setAccount(session.user),
      (e: unknown) => {
        if (!live) return;
        setAccount(null);
        report.current?.(e);
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return account;
}

export function RecruiterAccountLinks() {
  const account = useSignedInAccount();
  return (
    <>
      <Link href="/recruiter/api-keys" className="button subtle">
        API keys
      </Link>
      {account?.role === "admin" ? (
        <Link href="/recruiter/users" className="button subtle">
          Users
        </Link>
      ) : null}
    </>
  );
}
