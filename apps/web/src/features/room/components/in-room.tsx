'use client';

import {
  CarouselLayout,
  ConnectionStateToast,
  ControlBar,
  FocusLayout,
  FocusLayoutContainer,
  GridLayout,
  LayoutContextProvider,
  ParticipantTile,
  RoomAudioRenderer,
  RoomContext,
  useSpeakingParticipants,
  useTracks,
  type TrackReferenceOrPlaceholder,
} from '@livekit/components-react';
import { RoomEvent, Track, type Room } from 'livekit-client';
import { useMemo, useState } from 'react';
import { describeDarkMedia } from '../media-gate';
import { describeMediaError } from '../media-support';
import type { MeetingRoomController, RoomControllerState } from '../meeting-room-controller';
import type { RoomView } from '../room-session';
import { ChatPanel } from './chat-panel';
import { EncryptionStatus } from './encryption-status';
import { ParticipantsPanel } from './participants-panel';
import type { RecordingRoom } from '../../recording/recording-room';
import { RecordingConsentPrompt, RecordingControls, RecordingIndicator } from './recording-status';
import { SecurityCodeDialog } from './security-code-dialog';

type Panel = 'participants' | 'chat' | null;
type Layout = 'grid' | 'speaker';

/** The room once media is connected: stage, side panels, notices and controls. */
export function InRoom({
  controller,
  room,
  state,
  view,
  recording = null,
}: {
  controller: MeetingRoomController;
  room: Room;
  state: RoomControllerState;
  view: RoomView;
  recording?: RecordingRoom | null;
}) {
  const [panel, setPanel] = useState<Panel>(null);
  const [layout, setLayout] = useState<Layout>('grid');
  const [showCode, setShowCode] = useState(false);
  const [lastReadChat, setLastReadChat] = useState(0);
  const session = controller.session;
  const unread = panel === 'chat' ? 0 : Math.max(0, view.chat.length - lastReadChat);
  const openPanel = (next: Panel) => {
    if (next === 'chat' || panel === 'chat') setLastReadChat(view.chat.length);
    setPanel(panel === next ? null : next);
  };

  return (
    <RoomContext.Provider value={room}>
      <LayoutContextProvider>
        <div
          data-lk-theme="default"
          data-testid="meeting-room"
          className="fixed inset-0 z-40 flex flex-col bg-slate-950 text-slate-100"
        >
          <header className="flex flex-wrap items-center justify-between gap-3 border-b border-white/10 px-4 py-2">
            <h1 className="truncate text-base font-semibold">{view.meeting?.title}</h1>
            <EncryptionStatus
              e2ee={state.e2ee}
              securityCode={view.securityCode}
              onShowCode={() => setShowCode(true)}
            />
            <div role="group" aria-label="Layout" className="flex gap-1 text-sm">
              {(['grid', 'speaker'] as const).map((option) => (
                <button
                  key={option}
                  type="button"
                  aria-pressed={layout === option}
                  onClick={() => setLayout(option)}
                  className={
                    layout === option
                      ? 'rounded bg-white/20 px-2 py-1'
                      : 'rounded px-2 py-1 hover:bg-white/10'
                  }
                >
                  {option === 'grid' ? 'Grid' : 'Speaker'}
                </button>
              ))}
            </div>
          </header>
          {recording && <RecordingIndicator recording={recording} />}
          <Notices controller={controller} state={state} view={view} />
          <div className="flex min-h-0 flex-1">
            <main className="min-w-0 flex-1" aria-label="Stage">
              <Stage layout={layout} />
            </main>
            {panel && (
              <aside className="w-80 shrink-0 overflow-y-auto border-l border-white/10 p-4">
                {panel === 'participants' ? (
                  <ParticipantsPanel
                    view={view}
                    actions={{
                      admit: (id) => session.admit(id),
                      deny: (id) => session.deny(id),
                      remove: (id) => session.remove(id),
                      requestMute: (id, source) => session.requestMute(id, source),
                      acceptChangedKey: (id) => session.acceptChangedKey(id),
                    }}
                  />
                ) : (
                  <ChatPanel
                    messages={view.chat}
                    canSend={view.myKey?.activeKeyIndex != null}
                    onSend={(text) => {
                      session.sendChat(text);
                      setLastReadChat(view.chat.length + 1);
                    }}
                  />
                )}
              </aside>
            )}
          </div>
          <footer className="flex flex-wrap items-center justify-center gap-2 border-t border-white/10 px-2 py-2">
            <ControlBar
              controls={{ chat: false, leave: false, settings: false }}
              variation="verbose"
              saveUserChoices
              onDeviceError={({ source, error }) =>
                controller.reportDeviceError(
                  describeMediaError(
                    error,
                    source === Track.Source.Camera
                      ? 'camera'
                      : source === Track.Source.ScreenShare
                        ? 'screen'
                        : 'microphone',
                  ),
                )
              }
            />
            {recording && <RecordingControls recording={recording} />}
            <button
              type="button"
              aria-pressed={view.self?.handRaised ?? false}
              onClick={() => session.setHandRaised(!(view.self?.handRaised ?? false))}
              className="lk-button"
            >
              ✋ {view.self?.handRaised ? 'Lower hand' : 'Raise hand'}
            </button>
            <button
              type="button"
              aria-pressed={panel === 'participants'}
              onClick={() => openPanel('participants')}
              className="lk-button"
            >
              People ({view.participants.length})
              {view.isHost && view.lobby.length > 0 && (
                <span className="ml-1 rounded-full bg-amber-500 px-1.5 text-xs text-black">
                  {view.lobby.length} waiting
                </span>
              )}
            </button>
            <button
              type="button"
              aria-pressed={panel === 'chat'}
              onClick={() => openPanel('chat')}
              className="lk-button"
            >
              Chat
              {unread > 0 && (
                <span
                  className="ml-1 rounded-full bg-blue-500 px-1.5 text-xs"
                  aria-label={`${unread} unread`}
                >
                  {unread}
                </span>
              )}
            </button>
            {view.isHost && (
              <button
                type="button"
                onClick={() => {
                  if (window.confirm('End the meeting for everyone?')) session.endMeeting();
                }}
                className="lk-button bg-red-900"
              >
                End for all
              </button>
            )}
            <button
              type="button"
              onClick={() => void controller.leave()}
              className="lk-disconnect-button"
            >
              Leave
            </button>
          </footer>
        </div>
        {showCode && view.securityCode && (
          <SecurityCodeDialog
            code={view.securityCode}
            participantCount={view.participants.length}
            onConfirm={() => session.confirmSecurityCode()}
            onClose={() => setShowCode(false)}
          />
        )}
        {recording && <RecordingConsentPrompt recording={recording} />}
        <RoomAudioRenderer />
        <ConnectionStateToast />
      </LayoutContextProvider>
    </RoomContext.Provider>
  );
}

/** Grid of everyone, or the speaker (or a screen share) large with the others in a strip. */
function Stage({ layout }: { layout: Layout }) {
  const tracks = useTracks(
    [
      { source: Track.Source.Camera, withPlaceholder: true },
      { source: Track.Source.ScreenShare, withPlaceholder: false },
    ],
    { updateOnlyOn: [RoomEvent.ActiveSpeakersChanged], onlySubscribed: false },
  );
  const speakers = useSpeakingParticipants();
  const focus = useMemo<TrackReferenceOrPlaceholder | undefined>(() => {
    const screen = tracks.find((t) => t.source === Track.Source.ScreenShare);
    if (screen) return screen;
    if (layout === 'grid') return undefined;
    const speaker = speakers.find((p) => !p.isLocal) ?? speakers[0];
    return (
      tracks.find((t) => t.participant.identity === speaker?.identity) ??
      tracks.find((t) => !t.participant.isLocal) ??
      tracks[0]
    );
  }, [tracks, speakers, layout]);

  if (!focus) {
    return (
      <div className="lk-grid-layout-wrapper h-full">
        <GridLayout tracks={tracks}>
          <ParticipantTile />
        </GridLayout>
      </div>
    );
  }
  const others = tracks.filter((t) => t !== focus);
  return (
    <div className="lk-focus-layout-wrapper h-full">
      <FocusLayoutContainer>
        <CarouselLayout tracks={others}>
          <ParticipantTile />
        </CarouselLayout>
        <FocusLayout trackRef={focus} />
      </FocusLayoutContainer>
    </div>
  );
}

function Notices({
  controller,
  state,
  view,
}: {
  controller: MeetingRoomController;
  state: RoomControllerState;
  view: RoomView;
}) {
  const notices: { key: string; tone: 'warn' | 'info'; text: string }[] = [];
  for (const warning of view.keyChangeWarnings) {
    notices.push({
      key: `key-${warning.participantId}`,
      tone: 'warn',
      text:
        `${warning.displayName}’s key changed since you last met. They get no keys from you ` +
        'until you check it with them: compare the security code aloud, or ask whether they ' +
        'reset their account.',
    });
  }
  for (const dark of state.darkMedia) {
    notices.push({ key: `dark-${dark.identity}`, tone: 'warn', text: describeDarkMedia(dark) });
  }
  if (state.control === 'reconnecting' || state.media === 'reconnecting') {
    notices.push({
      key: 'reconnecting',
      tone: 'info',
      text: 'Connection lost. Reconnecting; keys are exchanged again when it is back.',
    });
  }
  if (state.mutedByHost) {
    notices.push({
      key: 'muted',
      tone: 'info',
      text: `${state.mutedByHost.by} (host) asked you to turn off your ${state.mutedByHost.source}; it is off now.`,
    });
  }
  state.mediaProblems.forEach((problem, i) =>
    notices.push({ key: `media-${i}`, tone: 'warn', text: problem.message }),
  );
  if (notices.length === 0) return null;
  return (
    <div className="space-y-1 px-4 py-2" aria-live="polite">
      {notices.map((notice) => (
        <p
          key={notice.key}
          role={notice.tone === 'warn' ? 'alert' : 'status'}
          data-testid={
            notice.key.startsWith('key-')
              ? 'key-change-warning'
              : notice.key.startsWith('dark-')
                ? 'dark-media-warning'
                : undefined
          }
          className={
            notice.tone === 'warn'
              ? 'rounded-md bg-amber-900/70 px-3 py-2 text-sm text-amber-50'
              : 'rounded-md bg-sky-900/60 px-3 py-2 text-sm text-sky-50'
          }
        >
          {notice.text}
        </p>
      ))}
      {(state.mediaProblems.length > 0 || state.mutedByHost) && (
        <button
          type="button"
          onClick={() => controller.dismissMediaProblems()}
          className="text-xs text-slate-400 underline"
        >
          Dismiss
        </button>
      )}
    </div>
  );
}
