/**
 * A modal confirmation before something that cannot be undone (native `<dialog>`: focus trap,
 * Escape): the question, what will happen, the error if the action failed, Cancel and the
 * action. The caller owns the dialog element (`ref`) so it decides when to open it.
 */

import type { ReactNode, RefObject } from "react";

export function ConfirmDialog({
  ref,
  name,
  title,
  children,
  error,
  busy,
  confirmLabel,
  onConfirm,
  onClose,
}: {
  ref: RefObject<HTMLDialogElement | null>;
  /** `#<name>-title` labels the dialog; `#confirm-<name>` is the action's button. */
  name: string;
  title: string;
  /** What will happen. */
  children: ReactNode;
  error: string | null;
  busy: boolean;
  confirmLabel: string;
  onConfirm: () => void;
  onClose?: () => void;
}) {
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={`${name}-title`} onClose={onClose}>
      <h2 id={`${name}-title`}>{title}</h2>
      {children}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="button" onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button
          type="button"
          className="button danger"
          id={`confirm-${name}`}
          disabled={busy}
          onClick={onConfirm}
        >
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
