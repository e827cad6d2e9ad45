import { describe, expect, it } from 'vitest';
import {
  arrival,
  currentState,
  presenceState,
  storedStatus,
  transition,
  type AdmissionEvent,
  type AdmissionState,
  type Standing,
} from './admission';

const invitee: Standing = { host: false, joinsDirectly: true, kind: 'member' };
const uninvited: Standing = { host: false, joinsDirectly: false, kind: 'member' };
const guest: Standing = { host: false, joinsDirectly: false, kind: 'guest' };
const host: Standing = { host: true, joinsDirectly: true, kind: 'member' };

const STATES: AdmissionState[] = ['waiting', 'admitted', 'denied', 'removed', 'left'];
const EVENTS: AdmissionEvent[] = ['arrive', 'admit', 'deny', 'remove', 'make-host', 'leave'];

/** The whole table for participants who are not hosts: next state, or refused (null). */
const TABLE: Record<AdmissionState, Record<AdmissionEvent, AdmissionState | null>> = {
  waiting: {
    arrive: 'waiting',
    admit: 'admitted',
    deny: 'denied',
    remove: null,
    'make-host': null,
    leave: 'waiting',
  },
  admitted: {
    arrive: 'admitted',
    admit: null,
    deny: null,
    remove: 'removed',
    'make-host': 'admitted',
    leave: 'left',
  },
  denied: {
    arrive: 'waiting',
    admit: null,
    deny: null,
    remove: null,
    'make-host': null,
    leave: 'denied',
  },
  removed: {
    arrive: 'waiting',
    admit: null,
    deny: null,
    remove: null,
    'make-host': null,
    leave: 'removed',
  },
  left: {
    arrive: 'admitted',
    admit: null,
    deny: null,
    remove: null,
    'make-host': null,
    leave: 'left',
  },
};

function run(start: AdmissionState, events: AdmissionEvent[], standing: Standing) {
  let state = start;
  let hostNow = standing.host;
  const places: string[] = [];
  for (const event of events) {
    const next = transition(state, event, { ...standing, host: hostNow });
    if (!next.ok) throw new Error(`${event} refused in ${state}: ${next.message}`);
    state = next.state;
    hostNow = next.host;
    places.push(next.placed);
  }
  return { state, places, host: hostNow };
}

describe('admission state machine', () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected = TABLE[state][event];
      it(`${state} --${event}--> ${expected ?? 'refused'} (member, not a host)`, () => {
        const next = transition(state, event, uninvited);
        if (expected === null) expect(next.ok).toBe(false);
        else {
          expect(next).toMatchObject({ ok: true, state: expected });
          if (next.ok) {
            expect(next.placed).toBe(
              expected === 'admitted' ? 'room' : expected === 'waiting' ? 'lobby' : 'out',
            );
            expect(next.host).toBe(event === 'make-host');
          }
        }
        // Being invited changes only where someone with no record starts, never a transition.
        expect(transition(state, event, invitee)).toEqual(next);
      });
    }
  }

  it('hosts are always admitted on arrival and can be neither denied nor removed', () => {
    for (const state of STATES) {
      expect(transition(state, 'arrive', host)).toEqual({
        ok: true,
        state: 'admitted',
        host: true,
        placed: 'room',
      });
      expect(transition(state, 'deny', host)).toMatchObject({ ok: false, code: 'forbidden' });
      expect(transition(state, 'remove', host)).toMatchObject({ ok: false, code: 'forbidden' });
    }
  });

  it('guests cannot be made hosts, in any state', () => {
    for (const state of STATES) {
      expect(transition(state, 'make-host', guest)).toMatchObject({
        ok: false,
        code: state === 'admitted' ? 'forbidden' : 'not_found',
      });
    }
  });

  it('with no record: invitees and hosts start admitted, everyone else waiting', () => {
    expect(currentState(null, invitee)).toBe('admitted');
    expect(currentState(null, host)).toBe('admitted');
    expect(currentState(null, uninvited)).toBe('waiting');
    expect(currentState(undefined, guest)).toBe('waiting');
    expect(currentState('removed', invitee)).toBe('removed');
    expect(currentState('denied', host)).toBe('admitted');
  });

  it('the reported sequence: removed, then denied, then back: the lobby, never the room', () => {
    // An invitee in the room is removed; reconnects (lobby); is denied; reconnects again.
    const seen = run('admitted', ['remove', 'arrive', 'deny', 'arrive', 'arrive'], invitee);
    expect(seen.places).toEqual(['out', 'lobby', 'out', 'lobby', 'lobby']);
    expect(seen.state).toBe('waiting');
    for (const stored of ['removed', 'denied'] as const) {
      expect(arrival(stored, invitee)).toEqual({ placed: 'lobby', state: 'waiting', host: false });
    }
  });

  it('reconnects and a second device keep what the participant had, no more', () => {
    expect(run('admitted', ['leave', 'arrive', 'arrive'], invitee).places).toEqual([
      'out',
      'room',
      'room',
    ]);
    expect(run('waiting', ['arrive', 'leave', 'arrive'], guest).places).toEqual([
      'lobby',
      'lobby',
      'lobby',
    ]);
    // Admitted from the lobby, a second tab joins too; removed, both come back to the lobby.
    expect(run('waiting', ['admit', 'arrive', 'remove', 'arrive', 'arrive'], guest).places).toEqual(
      ['room', 'room', 'out', 'lobby', 'lobby'],
    );
    // Only a host's admit brings them back.
    expect(run('removed', ['arrive', 'admit', 'arrive'], invitee).places).toEqual([
      'lobby',
      'room',
      'room',
    ]);
  });

  it('made host, a participant keeps host on reconnect through the stored record', () => {
    const made = run('admitted', ['make-host', 'leave', 'arrive'], invitee);
    expect(made).toMatchObject({ state: 'admitted', host: true });
  });

  it('maps presence and storage', () => {
    expect(presenceState('room')).toBe('admitted');
    expect(presenceState('lobby')).toBe('waiting');
    expect(storedStatus('left')).toBe('admitted');
    expect(storedStatus('denied')).toBe('denied');
    expect(arrival('admitted', guest)).toEqual({ placed: 'room', state: 'admitted', host: false });
    expect(arrival(null, uninvited)).toEqual({ placed: 'lobby', state: 'waiting', host: false });
  });
});
