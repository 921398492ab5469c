/**
 * Any signed-in account: its own API keys (for an ATS integration or a script). A new key's
 * secret is in the create answer only (the server keeps a hash), so it is shown once here with
 * a copy button and is gone on reload. Revoking asks first: a script using the key stops
 * working at once.
 */

import { type FormEvent, useCallback, useEffect, useState } from "react";
import { createApiKey, listApiKeys, revokeApiKey } from "../../api";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog";
import { toast } from "../../components/Toast";
import { errorText, formatDate } from "../../format";
import type { ApiKeyInfo, CreatedApiKey } from "../../generated/contracts";
import { type RecruiterAuth, RecruiterGate } from "./RecruiterAuth";
import { ManagementHeading } from "./ManagementHeading";

/** `MAX_API_KEY_NAME_CHARS` in interview_store/accounts.py. */
const MAX_NAME_CHARS = 100;

export function RecruiterApiKeysPage() {
  return <RecruiterGate>{(auth) => <ApiKeys auth={auth} />}</RecruiterGate>;
}

function ApiKeys({ auth }: { auth: RecruiterAuth }) {
  const { token, handleAuthError } = auth;
  const [keys, setKeys] = useState<ApiKeyInfo[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      setKeys((await listApiKeys(token)).items);
      setProblem(null);
    } catch (e) {
      if (!handleAuthError(e)) setProblem(`Could not load your API keys: ${errorText(e)}`);
    }
  }, [token, handleAuthError]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="card wide" aria-labelledby="keys-title">
      <ManagementHeading id="keys-title" title="API keys" problem={problem}>
        <p className="hint">
          A key acts as your account (same role) for scripts and integrations: send it as{" "}
          <code>Authorization: Bearer &lt;key&gt;</code>.
        </p>
      </ManagementHeading>
      {created ? <NewKey created={created} /> : null}
      <div className="table-wrap">
        <table id="api-keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.length ? (
              keys.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>{formatDate(key.created_at)}</td>
                  <td>{key.last_used_at ? formatDate(key.last_used_at) : "Never"}</td>
                  <td>
                    {key.revoked_at ? (
                      <span className="status status-failed">Revoked {formatDate(key.revoked_at)}</span>
                    ) : (
                      <span className="status status-evaluated">Active</span>
                    )}
                  </td>
                  <td>
                    {key.revoked_at ? null : (
                      <button
                        type="button"
                        className="button subtle"
                        aria-label={`Revoke the key ${key.name}`}
                        onClick={() => setRevoking(key)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))
            ) : (
              <tr>
                <td colSpan={5} className="empty">
                  No API keys yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <NewKeyForm
        auth={auth}
        onCreated={async (key) => {
          setCreated(key);
          await load();
        }}
      />
      <RevokeKeyDialog
        apiKey={revoking}
        auth={auth}
        onClose={() => setRevoking(null)}
        onRevoked={async () => {
          const name = revoking?.name ?? "The key";
          setRevoking(null);
          if (created && created.id === revoking?.id) setCreated(null);
          toast(`${name} revoked: requests with it are refused from now on.`);
          await load();
        }}
      />
    </section>
  );
}

/** The secret, this once, with a copy button. */
function NewKey({ created }: { created: CreatedApiKey }) {
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(created.key);
      toast("Key copied to the clipboard.");
    } catch {
      toast("Could not copy: select the key and copy it yourself.");
    }
  };
  return (
    <div className="alert info" role="status" id="new-api-key">
      <p>
        <strong>Your new key "{created.name}".</strong> Copy it now: you will not see it again (only a hash is
        stored). If you lose it, revoke it and create another.
      </p>
      <p>
        <code id="new-api-key-secret">{created.key}</code>{" "}
        <button type="button" className="button subtle" onClick={() => void copy()}>
          Copy key
        </button>
      </p>
    </div>
  );
}

function NewKeyForm({
  auth,
  onCreated,
}: {
  auth: RecruiterAuth;
  onCreated: (key: CreatedApiKey) => Promise<void>;
}) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (!name.trim()) {
      setError("Give the key a name you will recognise, e.g. the integration using it.");
      return;
    }
    setBusy(true);
    try {
      const key = await createApiKey(auth.token, { name: name.trim() });
      setName("");
      setError(null);
      await onCreated(key);
    } catch (e) {
      if (!auth.handleAuthError(e)) setError(`Could not create the key: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" aria-labelledby="new-key-title" onSubmit={(e) => void submit(e)}>
      <h2 id="new-key-title">New API key</h2>
      <div className="field">
        <label htmlFor="key-name">Name</label>
        <input
          id="key-name"
          maxLength={MAX_NAME_CHARS}
          required
          aria-describedby={error ? "key-name-error" : undefined}
          aria-invalid={error ? true : undefined}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        {error ? (
          <p className="field-error" id="key-name-error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy}>
          Create key
        </button>
      </div>
    </form>
  );
}

function RevokeKeyDialog({
  apiKey,
  auth,
  onClose,
  onRevoked,
}: {
  apiKey: ApiKeyInfo | null;
  auth: RecruiterAuth;
  onClose: () => void;
  onRevoked: () => Promise<void>;
}) {
  const confirmation = useConfirmation(apiKey, { ...auth, failure: "Could not revoke" });
  const confirm = () =>
    confirmation.run(async (target) => {
      await revokeApiKey(auth.token, target.id);
      await onRevoked();
    });

  return (
    <ConfirmDialog
      confirmation={confirmation}
      name="revoke-key"
      title="Revoke this API key?"
      confirmLabel="Revoke key"
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        Every script or integration using "{apiKey?.name ?? "this key"}" is refused from now on. This cannot
        be undone; create a new key if you still need one.
      </p>
    </ConfirmDialog>
  );
}
