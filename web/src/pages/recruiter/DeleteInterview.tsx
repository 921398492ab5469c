/** "Delete interview", after a confirmation. */

import { useState } from "react";
import { deleteInterview } from "../../api";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog";
import { toast } from "../../components/Toast";
import type { InterviewDetail } from "../../generated/contracts";
import { navigate } from "../../router";
import type { RecruiterAuth } from "./RecruiterAuth";

export function DeleteInterview({ record, auth }: { record: InterviewDetail; auth: RecruiterAuth }) {
  const [target, setTarget] = useState<InterviewDetail | null>(null);
  const confirmation = useConfirmation(target, { ...auth, failure: "Could not delete" });
  const confirm = () =>
    confirmation.run(async (doomed) => {
      await deleteInterview(auth.token, doomed.id);
      setTarget(null);
      toast("Interview deleted.");
      navigate("/recruiter", { replace: true });
    });

  return (
    <>
      <button type="button" className="button danger" id="delete" onClick={() => setTarget(record)}>
        Delete interview
      </button>
      <ConfirmDialog
        confirmation={confirmation}
        name="delete"
        title="Delete this interview?"
        confirmLabel="Delete permanently"
        onConfirm={() => void confirm()}
        onClose={() => setTarget(null)}
      >
        <p>The record, transcript, report and recordings are removed for good. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
