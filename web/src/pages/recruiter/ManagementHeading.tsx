/**
 * The top of a recruiter management page (invitations, API keys, users): its heading, the way
 * back to the interview list, anything the page says first, then the last failure as an alert.
 */

import type { ReactNode } from "react";
import { Link } from "../../router";

export function ManagementHeading({
  id,
  title,
  problem,
  children,
}: {
  /** The heading's id, which the page's section is labelled by. */
  id: string;
  title: string;
  problem: string | null;
  children?: ReactNode;
}) {
  return (
    <>
      <div className="title-row">
        <h1 id={id}>{title}</h1>
        <Link href="/recruiter" className="button subtle">
          All interviews
        </Link>
      </div>
      {children}
      {problem ? (
        <div className="alert error" role="alert">
          {problem}
        </div>
      ) : null}
    </>
  );
}
