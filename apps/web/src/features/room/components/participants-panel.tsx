'use client';

import type { LobbyEntry } from '@conclave/contracts';
import { describeTrust } from '../participant-trust';
import type { ParticipantView, RoomView } from '../room-session';

export interface HostActions {
  admit(id: string): void;
  deny(id: string): void;
  remove(id: string): void;
  requestMute(id: string, source: 'microphone' | 'camera'): void;
  acceptChangedKey(id: string): void;
}

/** Who is in the room and whether their keys check out; the host's lobby and controls. */
export function ParticipantsPanel({ view, actions }: { view: RoomView; actions: HostActions }) {
  return (
    <section aria-labelledby="participants-heading" className="flex h-full flex-col gap-4">
      {view.isHost && view.lobby.length > 0 && <Lobby entries={view.lobby} actions={actions} />}
      <div>
        <h2 id="participants-heading" className="text-sm font-semibold text-slate-200">
          Participants ({view.participants.length})
        </h2>
        <ul className="mt-2 space-y-2" aria-label="Participants">
          {view.participants.map((participant) => (
            <ParticipantRow
              key={participant.id}
              participant={participant}
              isHost={view.isHost}
              actions={actions}
            />
          ))}
        </ul>
      </div>
    </section>
  );
}

function Lobby({ entries, actions }: { entries: LobbyEntry[]; actions: HostActions }) {
  return (
    <div aria-labelledby="lobby-heading" role="region">
      <h2 id="lobby-heading" className="text-sm font-semibold text-amber-200">
        Waiting in the lobby ({entries.length})
      </h2>
      <ul className="mt-2 space-y-2" aria-label="Lobby">
        {entries.map((entry) => (
          <li
            key={entry.id}
            aria-label={entry.displayName}
            className="flex items-center justify-between gap-2 rounded-md bg-white/5 px-3 py-2"
          >
            <span className="truncate">
              {entry.displayName}
              <span className="ml-1 text-xs text-slate-400">
                {entry.kind === 'guest' ? 'guest' : 'member'}
              </span>
            </span>
            <span className="flex gap-1">
              <button
                type="button"
                onClick={() => actions.admit(entry.id)}
                className="rounded bg-emerald-700 px-2 py-1 text-xs text-white hover:bg-emerald-600"
              >
                Admit
              </button>
              <button
                type="button"
                onClick={() => actions.deny(entry.id)}
                className="rounded bg-white/10 px-2 py-1 text-xs hover:bg-white/20"
              >
                Deny
              </button>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ParticipantRow({
  participant,
  isHost,
  actions,
}: {
  participant: ParticipantView;
  isHost: boolean;
  actions: HostActions;
}) {
  const verified = participant.trust.verified;
  const keyChanged =
    !participant.trust.verified &&
    (participant.trust.problem === 'key-changed' || participant.trust.problem === 'address-reused');
  return (
    <li
      aria-label={participant.displayName}
      data-participant-id={participant.id}
      data-verified={verified ? 'true' : 'false'}
      className="rounded-md bg-white/5 px-3 py-2"
    >
      <div className="flex items-center justify-between gap-2">
        <span className="flex min-w-0 items-center gap-2">
          <span
            aria-hidden="true"
            className={verified ? 'text-emerald-400' : 'text-amber-400'}
            title={describeTrust(participant.trust)}
          >
            {verified ? '✔' : '⚠'}
          </span>
          <span className="truncate">
            {participant.displayName}
            {participant.isSelf && ' (you)'}
          </span>
          {participant.role === 'host' && (
            <span className="rounded bg-white/10 px-1.5 text-xs text-slate-300">host</span>
          )}
          {participant.kind === 'guest' && (
            <span className="rounded bg-white/10 px-1.5 text-xs text-slate-300">guest</span>
          )}
          {participant.handRaised && (
            <span role="img" aria-label="hand raised">
              ✋
            </span>
          )}
        </span>
        {isHost && !participant.isSelf && (
          <span className="flex shrink-0 gap-1">
            <button
              type="button"
              onClick={() => actions.requestMute(participant.id, 'microphone')}
              aria-label={`Ask ${participant.displayName} to mute`}
              className="rounded bg-white/10 px-2 py-1 text-xs hover:bg-white/20"
            >
              Mute
            </button>
            <button
              type="button"
              onClick={() => actions.remove(participant.id)}
              aria-label={`Remove ${participant.displayName}`}
              className="rounded bg-red-800 px-2 py-1 text-xs text-white hover:bg-red-700"
            >
              Remove
            </button>
          </span>
        )}
      </div>
      <p className="mt-1 text-xs text-slate-400" data-testid="trust">
        {verified ? 'Verified' : 'Unverified'} · {describeTrust(participant.trust)}
      </p>
      {keyChanged && (
        <button
          type="button"
          onClick={() => actions.acceptChangedKey(participant.id)}
          className="mt-1 text-xs text-amber-300 underline"
        >
          I checked the new key with {participant.displayName} in person: trust it
        </button>
      )}
    </li>
  );
}
