/**
 * Admission to one occurrence of a meeting, as one state machine. Every path that decides
 * whether someone is in the room or in the lobby asks it: joining (members and guests),
 * knocking, LiveKit tokens, the control channel's host actions and the decisions kept in
 * `meeting_admissions`. (Before, each path had its own `if`s, and "removed, then denied, then
 * back in" came back as admitted through the invitee rule.)
 *
 * States, per occurrence and participant:
 *  - waiting:  in (or coming back to) the lobby; only a host's `admit` lets them in;
 *  - admitted: may be in the room and get a media token;
 *  - denied:   a host turned them away from the lobby;
 *  - removed:  a host removed them from the room;
 *  - left:     admitted, then left (or lost the connection). Not stored: it differs from
 *              admitted only in presence, which the presence store holds.
 * With no stored record, someone is `admitted` when they join directly (hosts, invitees,
 * members of an org-open meeting) and `waiting` otherwise.
 *
 * The rule that matters: once a host has decided against someone (denied or removed), only a
 * host's `admit` lets them in again for this occurrence. Arriving again (reconnect, another
 * tab or device, a new knock) puts them in the lobby, whatever the invitation says. Hosts of
 * the meeting are always admitted and can be neither denied nor removed.
 */

export type AdmissionState = 'waiting' | 'admitted' | 'denied' | 'removed' | 'left';
export type StoredAdmissionStatus = 'waiting' | 'admitted' | 'denied' | 'removed';

export type AdmissionEvent =
  /** Connect, reconnect, a second device, a knock, a token request. */
  | 'arrive'
  | 'admit'
  | 'deny'
  | 'remove'
  | 'make-host'
  /** Left the room or the lobby, or the connection dropped. */
  | 'leave';

export interface Standing {
  /** A host of the meeting (by the meeting itself, or made host for this occurrence). */
  host: boolean;
  /** Invitees and, when the meeting is open to the org, its members: no lobby. */
  joinsDirectly: boolean;
  kind: 'member' | 'guest';
}

export type Transition =
  | { ok: true; state: AdmissionState; host: boolean; placed: 'room' | 'lobby' | 'out' }
  | { ok: false; code: 'not_found' | 'forbidden'; message: string };

/** The state of someone with this stored record (or none). */
export function currentState(
  stored: StoredAdmissionStatus | null | undefined,
  standing: Standing,
): AdmissionState {
  if (standing.host) return 'admitted';
  if (stored) return stored;
  return standing.joinsDirectly ? 'admitted' : 'waiting';
}

const placeOf = (state: AdmissionState): 'room' | 'lobby' | 'out' =>
  state === 'admitted' ? 'room' : state === 'waiting' ? 'lobby' : 'out';

function ok(state: AdmissionState, host: boolean): Transition {
  return { ok: true, state, host, placed: placeOf(state) };
}

/** What `event` does to someone in `state`: the next state, or why it is refused. */
export function transition(
  state: AdmissionState,
  event: AdmissionEvent,
  standing: Standing,
): Transition {
  const host = standing.host;
  switch (event) {
    case 'arrive':
      if (host) return ok('admitted', true);
      // Left the room: comes back in. Denied or removed: back to the lobby, never straight in.
      if (state === 'admitted' || state === 'left') return ok('admitted', false);
      return ok('waiting', false);
    case 'leave':
      if (state === 'admitted') return ok('left', host);
      return ok(state, host);
    case 'admit':
      if (state !== 'waiting') {
        return { ok: false, code: 'not_found', message: 'is not waiting in the lobby' };
      }
      return ok('admitted', false);
    case 'deny':
      if (host) return { ok: false, code: 'forbidden', message: 'is a host' };
      if (state !== 'waiting') {
        return { ok: false, code: 'not_found', message: 'is not waiting in the lobby' };
      }
      return ok('denied', false);
    case 'remove':
      if (host) return { ok: false, code: 'forbidden', message: 'is a host and cannot be removed' };
      if (state !== 'admitted') {
        return { ok: false, code: 'not_found', message: 'is not in the meeting' };
      }
      return ok('removed', false);
    case 'make-host':
      if (state !== 'admitted') {
        return { ok: false, code: 'not_found', message: 'is not in the meeting' };
      }
      if (standing.kind === 'guest') {
        return { ok: false, code: 'forbidden', message: 'is a guest, and guests cannot be hosts' };
      }
      return ok('admitted', true);
  }
}

/** Where someone arriving with this stored record (or none) is placed: room or lobby. */
export function arrival(
  stored: StoredAdmissionStatus | null | undefined,
  standing: Standing,
): { placed: 'room' | 'lobby'; state: 'admitted' | 'waiting'; host: boolean } {
  const next = transition(currentState(stored, standing), 'arrive', standing);
  // Arriving is never refused; `placed` is room or lobby.
  if (!next.ok || next.placed === 'out') return { placed: 'lobby', state: 'waiting', host: false };
  return {
    placed: next.placed,
    state: next.state === 'admitted' ? 'admitted' : 'waiting',
    host: next.host,
  };
}

/** The state a connection's presence implies (room: admitted, lobby: waiting). */
export function presenceState(status: 'room' | 'lobby'): AdmissionState {
  return status === 'room' ? 'admitted' : 'waiting';
}

/** The stored form of a state (`left` is stored as the admission it keeps). */
export function storedStatus(state: AdmissionState): StoredAdmissionStatus {
  return state === 'left' ? 'admitted' : state;
}
