/**
 * The candidate's browser recording: what recruiters watch where no LiveKit egress runs.
 *
 * Once the interviewer has joined, a MediaRecorder records the candidate's camera with both
 * voices (the candidate's microphone and every remote audio track, mixed in WebAudio) as WebM,
 * and each chunk (CHUNK_MS) is uploaded in order to the token server with retries
 * (`PUT /api/interviews/{id}/browser-recording/{index}`, the participant token as Bearer),
 * which appends chunks by index and ignores a repeated one. The candidate agreed to recording
 * on the consent notice; the room shows the recording indicator.
 *
 * Limits: the camera track is fixed when recording starts (a camera switched mid-interview is
 * not followed; audio sources are); uploads still queued when the tab closes are lost.
 */

import { type Room, RoomEvent, Track } from "livekit-client";
import { useEffect } from "react";
import { currentInterview } from "../../session";

const CHUNK_MS = 3000;
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000];
const VIDEO_BITS = 600_000;
const AUDIO_BITS = 64_000;

/** Record while mounted in the room, starting once `agentPresent` is first true. */
export function useBrowserRecording(room: Room, agentPresent: boolean): void {
  useEffect(() => {
    if (!agentPresent || typeof MediaRecorder === "undefined") return;
    const session = currentInterview();
    if (!session) return;
    const recording = startRecording(room, session.interview_id, session.participant_token);
    return () => recording.stop();
  }, [room, agentPresent]);
}

interface Recording {
  stop: () => void;
}

function startRecording(room: Room, interviewId: string, token: string): Recording {
  const audio = new AudioContext();
  const mix = audio.createMediaStreamDestination();
  const mixed = new Set<string>();
  const addAudio = (track: MediaStreamTrack | undefined): void => {
    if (!track || track.kind !== "audio" || mixed.has(track.id)) return;
    mixed.add(track.id);
    audio.createMediaStreamSource(new MediaStream([track])).connect(mix);
  };
  const addAll = (): void => {
    addAudio(room.localParticipant.getTrackPublication(Track.Source.Microphone)?.track?.mediaStreamTrack);
    for (const p of room.remoteParticipants.values()) {
      for (const pub of p.audioTrackPublications.values()) addAudio(pub.track?.mediaStreamTrack);
    }
  };
  addAll();
  room.on(RoomEvent.TrackSubscribed, addAll);
  room.on(RoomEvent.LocalTrackPublished, addAll);

  const camera = room.localParticipant.getTrackPublication(Track.Source.Camera)?.track?.mediaStreamTrack;
  const tracks = [...(camera ? [camera] : []), ...mix.stream.getAudioTracks()];
  const mimeType = pickMimeType(Boolean(camera));
  const recorder = new MediaRecorder(new MediaStream(tracks), {
    mimeType,
    videoBitsPerSecond: VIDEO_BITS,
    audioBitsPerSecond: AUDIO_BITS,
  });
  const uploader = new ChunkUploader(interviewId, token);
  recorder.ondataavailable = (ev: BlobEvent) => {
    if (ev.data.size > 0) uploader.add(ev.data);
  };
  recorder.onstop = () => void audio.close().catch(() => undefined);
  recorder.start(CHUNK_MS);

  return {
    stop: () => {
      room.off(RoomEvent.TrackSubscribed, addAll);
      room.off(RoomEvent.LocalTrackPublished, addAll);
      if (recorder.state !== "inactive") recorder.stop(); // emits the last chunk, then onstop
    },
  };
}

function pickMimeType(video: boolean): string {
  const wanted = video
    ? ["video/webm;codecs=vp8,opus", "video/webm"]
    : ["audio/webm;codecs=opus", "audio/webm"];
  return wanted.find((t) => MediaRecorder.isTypeSupported(t)) ?? "";
}

/** Uploads chunks one at a time, in order, retrying each with back-off. */
class ChunkUploader {
  private readonly queue: Blob[] = [];
  private next = 0;
  private running = false;

  constructor(
    private readonly interviewId: string,
    private readonly token: string,
  ) {}

  add(chunk: Blob): void {
    this.queue.push(chunk);
    if (!this.running) void this.pump();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      for (let chunk = this.queue.shift(); chunk; chunk = this.queue.shift()) {
        await this.upload(this.next, chunk);
        this.next += 1;
      }
    } finally {
      this.running = false;
    }
  }

  private async upload(index: number, chunk: Blob): Promise<void> {
    const url = `/api/interviews/${encodeURIComponent(this.interviewId)}/browser-recording/${index}`;
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      try {
        const resp = await fetch(url, {
          method: "PUT",
          body: chunk,
          headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/octet-stream" },
        });
        if (resp.ok) return;
        status = resp.status;
      } catch {
        status = 0; // network error: retry
      }
      const retryable = status === 0 || status === 408 || status === 429 || status >= 500;
      if (!retryable || attempt >= RETRY_DELAYS_MS.length) {
        console.warn(`recording chunk ${index} not uploaded (status ${status})`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
}
