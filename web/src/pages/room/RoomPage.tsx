/**
 * The interview room. The connection, device publishing, agent state, captions, audio
 * playback (with the autoplay unlock) and reconnection are LiveKit's; this page decides
 * what to show. Every way out ends on a panel that says what happened and offers the next
 * step (retry, set up again, see feedback), never on a blank page.
 */

import { RoomContext, usePersistentUserChoices } from "@livekit/components-react";
import { DisconnectReason, Room, RoomEvent } from "livekit-client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ErrorPanel, Loading, NoSession } from "../../components/StatusPanels";
import { errorName } from "../../format";
import { Link, navigate } from "../../router";
import { type CandidateSession, currentInterview, tokenSecondsLeft } from "../../session";
import { classifyConnectError, describeFailure, type Failure, withTimeout } from "./connectFailure";
import { InterviewRoom } from "./InterviewRoom";

const CONNECT_TIMEOUT_MS = 15_000;
/** How long we wait for the interviewer to join before saying so. `?agent_wait=` overrides. */
const DEFAULT_AGENT_WAIT_S = 30;

type Stage =
  | { kind: "connecting" }
  | { kind: "joined" }
  | { kind: "failed"; failure: Failure }
  | { kind: "finished"; message: string };

export function RoomPage() {
  const session = currentInterview();
  const [attempt, setAttempt] = useState(0);
  if (!session) return <NoSession />;
  return <RoomVisit key={attempt} session={session} retry={() => setAttempt((n) => n + 1)} />;
}

function agentWaitSeconds(): number {
  const wait = Number(new URLSearchParams(location.search).get("agent_wait"));
  return Number.isFinite(wait) && wait > 0 ? wait : DEFAULT_AGENT_WAIT_S;
}

/** One attempt at the interview: a fresh `Room`; "Try again" mounts a new one. */
function RoomVisit({ session, retry }: { session: CandidateSession; retry: () => void }) {
  const room = useMemo(() => new Room({ adaptiveStream: true, dynacast: true }), []);
  const { userChoices } = usePersistentUserChoices({ preventSave: true });
  const [stage, setStage] = useState<Stage>({ kind: "connecting" });
  const [notice, setNotice] = useState<string | null>(null);
  /** Set once we disconnect on purpose, so our own Disconnected event is not "connection lost". */
  const leaving = useRef(false);
  /** Disconnected before `connect` resolved is the failed connect itself: its error explains it. */
  const joined = useRef(false);
  const agentWaitS = useMemo(agentWaitSeconds, []);

  const end = useCallback(
    (next: Stage) => {
      leaving.current = true;
      void room.disconnect();
      setStage((current) => (current.kind === "failed" || current.kind === "finished" ? current : next));
    },
    [room],
  );

  useEffect(() => {
    leaving.current = false;
    const left = tokenSecondsLeft(session.participant_token, session.created_at);
    if (left !== null && left <= 0) {
      setStage({
        kind: "failed",
        failure: {
          kind: "expired",
          situation: "connect",
          detail: "the participant token's exp is in the past",
        },
      });
      return;
    }
    const onDisconnected = (reason?: DisconnectReason): void => {
      if (leaving.current || !joined.current) return;
      if (reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.PARTICIPANT_REMOVED) {
        end({ kind: "finished", message: "The interview has ended." });
      } else if (reason === DisconnectReason.DUPLICATE_IDENTITY) {
        end({
          kind: "failed",
          failure: { kind: "other", situation: "duplicate", detail: "DUPLICATE_IDENTITY" },
        });
      } else {
        const name = reason !== undefined ? DisconnectReason[reason] : "unknown";
        end({
          kind: "failed",
          failure: { kind: "unreachable", situation: "lost", detail: `disconnected: ${name}` },
        });
      }
    };
    room.on(RoomEvent.Disconnected, onDisconnected);

    let cancelled = false;
    const join = async (): Promise<void> => {
      try {
        await withTimeout(room.connect(session.server_url, session.participant_token), CONNECT_TIMEOUT_MS);
      } catch (e) {
        if (cancelled) return;
        end({ kind: "failed", failure: classifyConnectError(e) });
        return;
      }
      if (cancelled) return;
      joined.current = true;
      setStage({ kind: "joined" });
      const lp = room.localParticipant;
      try {
        await lp.setMicrophoneEnabled(
          true,
          userChoices.audioDeviceId ? { deviceId: userChoices.audioDeviceId } : undefined,
        );
      } catch (e) {
        setNotice(
          `Your microphone could not be started (${errorName(e)}). The interviewer cannot hear you: check permissions and reload.`,
        );
      }
      if (userChoices.videoEnabled) {
        try {
          await lp.setCameraEnabled(
            true,
            userChoices.videoDeviceId ? { deviceId: userChoices.videoDeviceId } : undefined,
          );
        } catch (e) {
          setNotice(`Your camera could not be started (${errorName(e)}). You can continue with audio only.`);
        }
      }
    };
    void join();
    return () => {
      cancelled = true;
      leaving.current = true;
      room.off(RoomEvent.Disconnected, onDisconnected);
      void room.disconnect();
    };
    // the device choices are read once, when joining
  }, [room, session, end]);

  const leave = async (): Promise<void> => {
    if (!window.confirm("Leave the interview? You will not be able to rejoin this session.")) return;
    leaving.current = true;
    await room.disconnect();
    navigate(`/feedback/${encodeURIComponent(session.interview_id)}`);
  };

  switch (stage.kind) {
    case "connecting":
      return <Loading title="Joining your interview…" hint="Connecting to the interview server." />;
    case "failed": {
      const copy = describeFailure(stage.failure, { serverUrl: session.server_url, agentWaitS });
      return (
        <ErrorPanel
          title={copy.title}
          message={copy.message}
          detail={stage.failure.detail}
          actions={
            <>
              {copy.canRetry ? (
                <button type="button" className="button primary" id="retry" onClick={retry}>
                  Try again
                </button>
              ) : null}
              <Link href="/" className={copy.canRetry ? "button" : "button primary"}>
                Set up a new interview
              </Link>
            </>
          }
        />
      );
    }
    case "finished":
      return (
        <section className="card narrow" aria-labelledby="done-title">
          <h1 id="done-title">Thank you!</h1>
          <p>{stage.message} Your feedback is being prepared and usually takes a minute or two.</p>
          <div className="actions">
            <Link href={`/feedback/${encodeURIComponent(session.interview_id)}`} className="button primary">
              See your feedback
            </Link>
          </div>
        </section>
      );
    case "joined":
      return (
        <RoomContext.Provider value={room}>
          <InterviewRoom
            notice={notice}
            setNotice={setNotice}
            agentWaitS={agentWaitS}
            onAgentNeverJoined={() =>
              end({
                kind: "failed",
                failure: {
                  kind: "other",
                  situation: "agent",
                  detail: `no agent participant joined room ${session.room} within ${agentWaitS} s`,
                },
              })
            }
            onAgentLeft={() => end({ kind: "finished", message: "The interviewer has ended the interview." })}
            onLeave={() => void leave()}
          />
        </RoomContext.Provider>
      );
  }
}
