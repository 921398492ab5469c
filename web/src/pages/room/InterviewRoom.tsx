/**
 * Inside the room: the interviewer's state and voice (LiveKit's `useVoiceAssistant` and
 * `BarVisualizer`), live captions (`useTranscriptions`), the phase and time left that the
 * agent publishes as participant attributes, and the call controls (`TrackToggle`).
 */

import {
  type AgentState,
  RoomAudioRenderer,
  StartAudio,
  TrackToggle,
  VideoTrack,
  useConnectionState,
  useLocalParticipant,
  useRoomContext,
  useTracks,
  useTranscriptions,
  useVoiceAssistant,
} from "@livekit/components-react";
import { ConnectionState, Track } from "livekit-client";
import { useEffect, useRef, useState } from "react";
import { phaseLabel } from "../../phases";
import { errorName } from "../../format";
import type { AgentAttribute } from "../../generated/contracts";
import { AVATAR_ATTRIBUTE, InterviewerMedia } from "./InterviewerMedia";
import { useBrowserRecording } from "./browserRecording";
import { CodingPanel } from "./coding/CodingPanel";
import { PROBLEM_ID_ATTRIBUTE } from "./coding/codingRpc";

/** Participant attributes the interviewer agent publishes: typed by the generated
 * `AgentAttribute`, so a name the agent does not publish fails `tsc`. */
export const PHASE_ATTRIBUTE: AgentAttribute = "interview.phase";
export const REMAINING_ATTRIBUTE: AgentAttribute = "interview.remaining_s";
/** Epoch seconds of the planned end; only a fallback, as the browser's clock may be off. */
export const ENDS_AT_ATTRIBUTE: AgentAttribute = "interview.ends_at";

const STATE_LABELS: Partial<Record<AgentState, string>> = {
  connecting: "Connecting…",
  initializing: "Getting ready…",
  idle: "Waiting",
  listening: "Listening",
  thinking: "Thinking…",
  speaking: "Speaking",
};

const CAPTION_LINES = 6;

interface Props {
  notice: string | null;
  setNotice: (message: string | null) => void;
  agentWaitS: number;
  onAgentNeverJoined: () => void;
  onAgentLeft: () => void;
  onLeave: () => void;
}

export function InterviewRoom({
  notice,
  setNotice,
  agentWaitS,
  onAgentNeverJoined,
  onAgentLeft,
  onLeave,
}: Props) {
  const room = useRoomContext();
  const { agent, state, audioTrack, videoTrack, agentAttributes } = useVoiceAssistant();
  const connection = useConnectionState();
  const [captionsOn, setCaptionsOn] = useState(true);
  useBrowserRecording(room, Boolean(agent)); // what recruiters watch where no egress runs

  // the interviewer should join within agentWaitS; once it has, its leaving ends the interview
  const seen = useRef(false);
  useEffect(() => {
    if (agent) {
      seen.current = true;
      return;
    }
    if (seen.current) {
      // a lost connection also empties the room; that is the page's Disconnected handler's call
      if (room.state === ConnectionState.Connected) onAgentLeft();
      return;
    }
    const timer = window.setTimeout(onAgentNeverJoined, agentWaitS * 1000);
    return () => window.clearTimeout(timer);
  }, [agent, agentWaitS, onAgentNeverJoined, onAgentLeft, room]);

  const phase = agentAttributes?.[PHASE_ATTRIBUTE];
  const remaining = useCountdown(
    agentAttributes?.[REMAINING_ATTRIBUTE],
    agentAttributes?.[ENDS_AT_ATTRIBUTE],
  );
  const reconnecting =
    connection === ConnectionState.Reconnecting || connection === ConnectionState.SignalReconnecting;
  const shownState = agent ? state : "waiting";
  const stateText = agent
    ? `Interviewer: ${STATE_LABELS[state] ?? state}`
    : "Waiting for the interviewer to join…";
  const deviceError = (what: string) => (e: Error) =>
    setNotice(`Could not change your ${what}: ${errorName(e)}`);

  return (
    <section className="room" aria-labelledby="room-title">
      <div className="room-head">
        <h1 id="room-title" className="visually-hidden">
          Interview room
        </h1>
        <div className="status-line">
          <span className="label">Phase: </span>
          <span className="phase" id="phase" data-phase={phase}>
            {phase ? phaseLabel(phase) : "—"}
          </span>
        </div>
        {/* the candidate agreed to recording (consent notice): it is always on in the room */}
        <span
          className="recording-indicator"
          id="recording-indicator"
          title="This interview is being recorded"
        >
          <span className="rec-dot" aria-hidden="true" />
          Recording
        </span>
        <span
          className={`clock${remaining !== null && remaining < 120 ? " low" : ""}`}
          id="remaining"
          aria-label="Time left"
        >
          {remaining === null
            ? ""
            : `${Math.floor(remaining / 60)}:${String(Math.floor(remaining % 60)).padStart(2, "0")} left`}
        </span>
      </div>
      {reconnecting || notice ? (
        <div className="alert info" role="status">
          {reconnecting ? "Connection lost. Reconnecting…" : notice}
        </div>
      ) : null}
      <div className="stage">
        <div className="agent-tile" data-state={shownState}>
          <InterviewerMedia
            state={agent ? state : undefined}
            audioTrack={audioTrack}
            videoTrack={videoTrack}
            avatarStatus={agentAttributes?.[AVATAR_ATTRIBUTE]}
          />
          <p className="agent-state" id="agent-state" aria-live="polite">
            {stateText}
          </p>
          <StartAudio label="Click to hear the interviewer" className="button primary" />
        </div>
        <SelfView />
      </div>
      {phase === "coding" && agent && agentAttributes?.[PROBLEM_ID_ATTRIBUTE] ? (
        <CodingPanel agentIdentity={agent.identity} problemId={agentAttributes[PROBLEM_ID_ATTRIBUTE]} />
      ) : null}
      {captionsOn ? <Captions /> : null}
      <div className="controls" role="toolbar" aria-label="Call controls">
        <MediaToggles onDeviceError={deviceError} />
        <button
          type="button"
          className="control"
          aria-pressed={captionsOn}
          onClick={() => setCaptionsOn((on) => !on)}
        >
          Captions
        </button>
        <button type="button" className="control danger" onClick={onLeave}>
          Leave
        </button>
      </div>
      <RoomAudioRenderer />
    </section>
  );
}

/**
 * LiveKit's toggles. Their names stay fixed and `aria-pressed` says whether the device is on
 * (the library sets it), so "Microphone, not pressed" is unambiguous; a label that flipped
 * between "Mute" and "Unmute" would contradict the pressed state.
 */
function MediaToggles({ onDeviceError }: { onDeviceError: (what: string) => (e: Error) => void }) {
  return (
    <>
      <TrackToggle
        source={Track.Source.Microphone}
        showIcon={false}
        className="control"
        onDeviceError={onDeviceError("microphone")}
      >
        Microphone
      </TrackToggle>
      <TrackToggle
        source={Track.Source.Camera}
        showIcon={false}
        className="control"
        onDeviceError={onDeviceError("camera")}
      >
        Camera
      </TrackToggle>
      <TrackToggle
        source={Track.Source.ScreenShare}
        showIcon={false}
        className="control"
        captureOptions={{ audio: false }}
        onDeviceError={(e) => {
          if (e.name !== "NotAllowedError") onDeviceError("screen share")(e); // picker cancelled
        }}
      >
        Share screen
      </TrackToggle>
    </>
  );
}

function SelfView() {
  const [camera] = useTracks([Track.Source.Camera], { onlySubscribed: false }).filter(
    (t) => t.participant.isLocal,
  );
  if (!camera?.publication || camera.publication.isMuted) return null;
  return <VideoTrack trackRef={camera} className="self-view mirror" aria-label="Your camera" />;
}

function Captions() {
  const { localParticipant } = useLocalParticipant();
  const lines = useTranscriptions()
    .filter((t) => t.text.trim())
    .slice(-CAPTION_LINES);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return (
    <div className="captions" id="captions" aria-live="polite" aria-label="Live captions" ref={box}>
      {lines.map((t) => {
        const mine = t.participantInfo.identity === localParticipant.identity;
        const final = t.streamInfo.attributes?.["lk.transcription_final"] !== "false";
        return (
          <p
            key={t.streamInfo.attributes?.["lk.segment_id"] ?? t.streamInfo.id}
            className={`caption ${mine ? "me" : "them"}${final ? "" : " interim"}`}
          >
            <span className="who">{mine ? "You" : "Interviewer"}</span>
            {t.text}
          </p>
        );
      })}
    </div>
  );
}

/**
 * Seconds left, counting down locally between the agent's updates. Restarts only when the
 * published figure itself changes (the attributes change often, with the agent's state).
 */
function useCountdown(remainingRaw: string | undefined, endsAtRaw: string | undefined): number | null {
  const [anchor, setAnchor] = useState<{ seconds: number; at: number } | null>(null);
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const seconds =
      remainingRaw !== undefined
        ? Number(remainingRaw)
        : endsAtRaw !== undefined
          ? Number(endsAtRaw) - Date.now() / 1000
          : NaN;
    if (Number.isFinite(seconds)) setAnchor({ seconds, at: performance.now() });
  }, [remainingRaw, endsAtRaw]);
  useEffect(() => {
    if (!anchor) return;
    const timer = window.setInterval(() => setNow(performance.now()), 1000);
    return () => window.clearInterval(timer);
  }, [anchor]);
  if (!anchor) return null;
  return Math.max(0, anchor.seconds - Math.max(0, now - anchor.at) / 1000);
}
