/**
 * Device check: see yourself, watch the microphone meter move, pick devices. The preview
 * tracks, device lists and remembered choices are LiveKit's (`usePreviewTracks`,
 * `useMediaDeviceSelect`, `usePersistentUserChoices`); the room page publishes with the
 * same choices. Browser permission errors are translated into what the candidate can do.
 */

import {
  useMediaDeviceSelect,
  usePersistentUserChoices,
  usePreviewTracks,
  useTrackVolume,
} from "@livekit/components-react";
import { type LocalAudioTrack, type LocalVideoTrack, Track } from "livekit-client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { PlanNotice } from "../components/PlanNotice";
import { NoSession } from "../components/StatusPanels";
import { navigate } from "../router";
import { currentInterview } from "../session";

export function DeviceCheckPage() {
  const session = currentInterview();
  const [attempt, setAttempt] = useState(0);
  if (!session) return <NoSession />;
  return <DeviceCheck key={attempt} retry={() => setAttempt((n) => n + 1)} />;
}

function DeviceCheck({ retry }: { retry: () => void }) {
  const { userChoices, saveAudioInputDeviceId, saveVideoInputDeviceId, saveVideoInputEnabled } =
    usePersistentUserChoices({ defaults: { audioEnabled: true, videoEnabled: true } });
  const camera = userChoices.videoEnabled;
  const [problem, setProblem] = useState<string | null>(null);
  const secure = Boolean(navigator.mediaDevices?.getUserMedia);

  const options = useMemo(
    () => ({
      audio: userChoices.audioDeviceId ? { deviceId: userChoices.audioDeviceId } : true,
      video: camera
        ? { deviceId: userChoices.videoDeviceId || undefined, resolution: { width: 640, height: 480 } }
        : false,
    }),
    [userChoices.audioDeviceId, userChoices.videoDeviceId, camera],
  );
  // stable: usePreviewTracks re-creates the tracks whenever its error callback changes
  const onError = useCallback((e: Error) => setProblem(explainMediaError(e, camera)), [camera]);
  const tracks = usePreviewTracks(secure ? options : {}, onError);
  const audio = tracks?.find((t): t is LocalAudioTrack => t.kind === Track.Kind.Audio);
  const video = tracks?.find((t): t is LocalVideoTrack => t.kind === Track.Kind.Video);

  const preview = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = preview.current;
    if (!el || !video) return;
    video.attach(el);
    return () => void video.detach(el);
  }, [video]);

  const shownProblem = secure
    ? problem
    : "This page cannot use your camera or microphone because it is not served securely. Open it over https:// (or on localhost).";
  const ready = Boolean(audio) && !shownProblem;

  return (
    <section className="card" aria-labelledby="check-title">
      <h1 id="check-title">Check your camera and microphone</h1>
      <p className="lead">
        The interviewer listens to you and sees your camera. Use headphones if you can, so it does not hear
        itself.
      </p>
      <PlanNotice />
      {shownProblem ? (
        <div className="alert error" role="alert">
          {shownProblem}
        </div>
      ) : null}
      <div className="check-grid">
        <div className="preview-wrap">
          {camera ? (
            <video
              ref={preview}
              className="preview mirror"
              autoPlay
              muted
              playsInline
              aria-label="Your camera preview"
            />
          ) : (
            <div className="preview placeholder">Camera off</div>
          )}
        </div>
        <div className="check-controls">
          <div className="field">
            <label htmlFor="mic-select">Microphone</label>
            {/* re-mounted once the preview exists, so the list has the labels permission unlocks */}
            <DeviceSelect
              key={`mic-${Boolean(audio)}`}
              id="mic-select"
              kind="audioinput"
              value={userChoices.audioDeviceId}
              onChange={saveAudioInputDeviceId}
            />
            <MicMeter track={audio} />
          </div>
          <div className="field">
            <label htmlFor="cam-select">Camera</label>
            <DeviceSelect
              key={`cam-${Boolean(video)}`}
              id="cam-select"
              kind="videoinput"
              value={userChoices.videoDeviceId}
              onChange={saveVideoInputDeviceId}
            />
            <label className="inline">
              <input
                type="checkbox"
                id="cam-toggle"
                checked={camera}
                onChange={(e) => saveVideoInputEnabled(e.target.checked)}
              />{" "}
              Use my camera
            </label>
          </div>
          <div className="actions">
            {shownProblem ? (
              <button type="button" className="button" onClick={retry}>
                Try again
              </button>
            ) : null}
            <button
              type="button"
              className="button primary"
              disabled={!ready}
              onClick={() => navigate("/room")}
            >
              Join the interview
            </button>
          </div>
          <p className="hint">Your interview link is valid for a limited time. Join when you are ready.</p>
        </div>
      </div>
    </section>
  );
}

/**
 * LiveKit's device list, as a native `<select>` (labelled, keyboard-friendly). The choice is
 * saved (`usePersistentUserChoices`), which re-creates the preview on that device and is what
 * the room publishes with.
 */
function DeviceSelect({
  id,
  kind,
  value,
  onChange,
}: {
  id: string;
  kind: MediaDeviceKind;
  value: string;
  onChange: (id: string) => void;
}) {
  const { devices, activeDeviceId } = useMediaDeviceSelect({ kind });
  const selected = devices.some((d) => d.deviceId === value) ? value : activeDeviceId;
  return (
    <select id={id} value={selected} onChange={(e) => onChange(e.target.value)}>
      {devices.map((d, i) => (
        <option key={d.deviceId || i} value={d.deviceId}>
          {d.label || `Device ${i + 1}`}
        </option>
      ))}
    </select>
  );
}

function MicMeter({ track }: { track: LocalAudioTrack | undefined }) {
  const volume = useTrackVolume(track);
  const level = Math.max(0, Math.min(100, Math.round(volume * 100)));
  const [heard, setHeard] = useState(false);
  useEffect(() => {
    if (level > 20) setHeard(true);
  }, [level]);
  return (
    <>
      <div
        className="meter"
        role="meter"
        aria-label="Microphone level"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={level}
      >
        <div className="meter-fill" style={{ width: `${level}%` }} />
      </div>
      <p className="hint">{heard ? "We can hear you." : "Say something: the bar should move."}</p>
    </>
  );
}

export function explainMediaError(error: unknown, wantedCamera: boolean): string {
  const name = error instanceof Error ? error.name : "";
  const what = wantedCamera ? "camera and microphone" : "microphone";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
      return (
        `Your browser blocked access to the ${what}. Click the camera icon in the address bar ` +
        "(or open the site settings), allow access, then press “Try again”."
      );
    case "NotFoundError":
    case "DevicesNotFoundError":
      return `No ${what} was found. Plug one in, or untick “Use my camera” to continue with audio only.`;
    case "NotReadableError":
    case "TrackStartError":
      return `Your ${what} is in use by another application (a video call?). Close it and press “Try again”.`;
    case "OverconstrainedError":
      return "The selected device is no longer available. Pick another one and try again.";
    case "SecurityError":
      return "Camera and microphone access is disabled for this page (insecure connection or a browser policy).";
    default:
      return `We could not start your ${what}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
