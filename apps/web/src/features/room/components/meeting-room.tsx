'use client';

import '@livekit/components-styles';
import { LogLevel, setLogLevel } from 'livekit-client';
import { useEffect, useMemo } from 'react';
import { detectCapabilities, joinBlock } from '../media-support';
import { MeetingRoomController, type RoomControllerOptions } from '../meeting-room-controller';
import { createRoomRecording, type RecordingIdentity } from '../../recording/browser-recording';
import type { RecordingPolicyView } from '../../recording/recording-room';
import { InRoom } from './in-room';
import { PreJoinScreen } from './pre-join-screen';
import { useControllerState, useRoomView } from './use-room';

export interface RoomEntry extends Omit<RoomControllerOptions, 'createWorker' | 'log'> {
  meetingId: string;
  title: string;
  displayName: string;
  /** Guests: ask for a display name, and the meeting's passcode when it has one. */
  askName: boolean;
  askPasscode: boolean;
  /** What the meeting's policy says about recording, shown before joining (members). */
  recordingNotice?: string | null;
  /** Who signs consents (and, for members, records), and the meeting's recording policy. */
  recording?: { identity: RecordingIdentity; policy: RecordingPolicyView | null } | null;
}

declare global {
  interface Window {
    /** Read-only state for tests and the benchmark; never keys. */
    __conclaveRoom?: {
      state: () => unknown;
      view: () => unknown;
      remoteStats: () => Promise<unknown>;
      joinToFirstFrameMs: () => number | null;
      recording?: () => unknown;
    };
  }
}

// livekit logs every key it is given at info level; warnings and errors are what matter here.
setLogLevel(LogLevel.warn);

function createE2EEWorker(): Worker {
  return new Worker(new URL('livekit-client/e2ee-worker', import.meta.url));
}

/** The meeting room page's client part: pre-join, waiting, the room, and how it ended. */
export function MeetingRoom({ entry }: { entry: RoomEntry }) {
  const controller = useMemo(
    () =>
      new MeetingRoomController({
        ...entry,
        createWorker: createE2EEWorker,
        log: (message) => console.warn(`[room] ${message}`),
      }),
    [entry],
  );
  const recording = useMemo(
    () =>
      entry.recording
        ? createRoomRecording(controller, entry.recording.identity, entry.recording.policy)
        : null,
    [controller, entry],
  );
  useEffect(() => () => recording?.dispose(), [recording]);
  useEffect(() => {
    window.__conclaveRoom = {
      state: () => controller.state(),
      view: () => controller.session.view(),
      remoteStats: () => controller.remoteStats(),
      joinToFirstFrameMs: () => controller.joinToFirstFrameMs(),
      recording: () => recording?.recording.view(),
    };
    const leaveOnUnload = () => void controller.leave();
    window.addEventListener('pagehide', leaveOnUnload);
    return () => {
      window.removeEventListener('pagehide', leaveOnUnload);
      controller.dispose();
      delete window.__conclaveRoom;
    };
  }, [controller, recording]);
  const state = useControllerState(controller);
  const view = useRoomView(controller);
  const block = useMemo(
    () => (typeof window === 'undefined' ? null : joinBlock(detectCapabilities(), entry)),
    [entry],
  );
  const room = controller.livekitRoom();

  switch (state.phase) {
    case 'prejoin':
      return (
        <PreJoinScreen
          title={entry.title}
          e2ee={entry.e2ee}
          displayName={entry.displayName}
          askName={entry.askName}
          askPasscode={entry.askPasscode}
          recordingNotice={entry.recordingNotice ?? null}
          block={block}
          onJoin={(choices, passcode) =>
            void controller.join({
              audioEnabled: choices.audioEnabled,
              videoEnabled: choices.videoEnabled,
              audioDeviceId: choices.audioDeviceId || undefined,
              videoDeviceId: choices.videoDeviceId || undefined,
              displayName: entry.askName ? choices.username.trim() : entry.displayName,
              passcode: passcode || undefined,
            })
          }
        />
      );
    case 'connecting':
    case 'joining-media':
      return <Waiting title={entry.title} text="Joining…" />;
    case 'lobby':
      return (
        <Waiting
          title={entry.title}
          text="You are in the lobby. A host will let you in; please wait."
        />
      );
    case 'in-room':
      return room ? (
        <InRoom
          controller={controller}
          room={room}
          state={state}
          view={view}
          recording={recording?.recording ?? null}
        />
      ) : (
        <Waiting title={entry.title} text="Joining…" />
      );
    default:
      return <Ended phase={state.phase} failure={state.failure} meetingId={entry.meetingId} />;
  }
}

function Waiting({ title, text }: { title: string; text: string }) {
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-slate-950 text-slate-100">
      <div className="text-center">
        <h1 className="text-xl font-semibold">{title}</h1>
        <p role="status" className="mt-2 text-slate-300">
          {text}
        </p>
      </div>
    </div>
  );
}

const ENDINGS: Record<string, { title: string; text: string }> = {
  left: { title: 'You left the meeting', text: 'You can rejoin while it is still going on.' },
  ended: { title: 'The meeting has ended', text: 'A host ended it for everyone.' },
  removed: { title: 'You were removed from the meeting', text: 'A host removed you.' },
  denied: { title: 'You were not let in', text: 'A host declined your request to join.' },
  replaced: {
    title: 'You joined from somewhere else',
    text: 'This meeting is open in another tab or device, so this one was closed.',
  },
  'signed-out': {
    title: 'You were signed out',
    text: 'Your session ended (you signed out here or on another device, or your password changed), so you left the meeting. Sign in again to rejoin.',
  },
  'no-access': {
    title: 'You no longer have access to this meeting',
    text: "You are no longer a member of the meeting's organisation.",
  },
  failed: { title: 'Could not join the meeting', text: '' },
};

function Ended({
  phase,
  failure,
  meetingId,
}: {
  phase: string;
  failure: string | null;
  meetingId: string;
}) {
  const ending = ENDINGS[phase] ?? ENDINGS.failed!;
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-slate-950 text-slate-100">
      <div
        role="status"
        data-testid="room-ended"
        data-phase={phase}
        className="max-w-md text-center"
      >
        <h1 className="text-xl font-semibold">{ending.title}</h1>
        <p className="mt-2 text-slate-300">{failure ?? ending.text}</p>
        {(phase === 'left' || phase === 'failed') && (
          <a
            href={`/meet/${meetingId}${typeof window === 'undefined' ? '' : window.location.search}`}
            className="mt-4 inline-block text-sky-300 underline"
          >
            Rejoin
          </a>
        )}
        {phase === 'signed-out' && (
          <a
            href={`/sign-in?next=${encodeURIComponent(`/meet/${meetingId}`)}`}
            className="mt-4 inline-block text-sky-300 underline"
          >
            Sign in
          </a>
        )}
      </div>
    </div>
  );
}
