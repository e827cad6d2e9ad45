'use client';

import { useEffect, useMemo, useState } from 'react';
import {
  bindGuestKey,
  generateExchangeKeyPair,
  generateSigningKeyPair,
  ready,
  toBase64Url,
  type ExchangeKeyPair,
} from '@conclave/crypto';
import {
  describeRecordingPolicy,
  directorySchema,
  livekitTokenSchema,
  lobbyInfoSchema,
  lobbyTicketSchema,
  meetingSchema,
  type LobbyInfo,
  type Meeting,
  type SignedIn,
} from '@conclave/contracts';
import { api, errorMessage, isApiError } from '../../../lib/api';
import { useIdentity } from '../../identity';
import { UnlockPanel } from '../../identity/unlock-panel';
import { KeyPins, localStoragePinStorage } from '../../key-directory/pins';
import { useSession } from '../../session/session';
import { guestConsentSigner, memberConsentSigner } from '../../recording/consent-signer';
import type { SocketLike } from '../control-connection';
import { linkSecretFromFragment, recallLinkSecret, rememberLinkSecret } from '../guest-link';
import type { RoomBackend } from '../meeting-room-controller';
import type { PinStore } from '../participant-trust';
import { MeetingRoom, type RoomEntry } from './meeting-room';

/**
 * `/meet/<meetingId>`: a signed-in member joins with their identity key (after unlocking it);
 * anyone else joins as a guest through the lobby with an ephemeral key, bound to the meeting
 * by the link secret in the guest link's fragment when they have one.
 */
export function MeetingRoomPage({ meetingId, orgId }: { meetingId: string; orgId: string | null }) {
  const session = useSession();
  const linkSecret = useLinkSecret(meetingId);
  if (session.status === 'loading' || linkSecret === undefined) {
    return <Centered>Loading the meeting…</Centered>;
  }
  if (session.status === 'signed-in') {
    return (
      <MemberEntry
        session={session.data}
        meetingId={meetingId}
        orgId={orgId}
        linkSecret={linkSecret}
      />
    );
  }
  return <GuestEntry meetingId={meetingId} linkSecret={linkSecret} />;
}

/**
 * The guest link's secret: from the fragment (then removed from the address bar, and kept for
 * this tab so a reload still has it) or remembered by this browser for the meeting.
 * `undefined` until read.
 */
function useLinkSecret(meetingId: string): string | null | undefined {
  const [secret, setSecret] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    void ready().then(() => {
      const fromFragment = linkSecretFromFragment(window.location.hash);
      if (fromFragment) {
        rememberLinkSecret(window.sessionStorage, meetingId, fromFragment);
        window.history.replaceState(null, '', window.location.pathname + window.location.search);
      }
      setSecret(
        fromFragment ??
          recallLinkSecret(window.sessionStorage, meetingId) ??
          recallLinkSecret(window.localStorage, meetingId),
      );
    });
  }, [meetingId]);
  return secret;
}

function controlUrl(meetingId: string, query = ''): string {
  const origin = window.location.origin.replace(/^http/, 'ws');
  return `${origin}/api/meetings/${encodeURIComponent(meetingId)}/control${query}`;
}

/**
 * This browser's pins, checked by user id and, from the org's key directory, by e-mail address
 * (a known address under a fresh user id is a warning, not a first sighting).
 */
function pinStoreFor(userId: string, addresses: ReadonlyMap<string, string>): PinStore {
  const pins = new KeyPins(localStoragePinStorage(window.localStorage), userId);
  return {
    check: (participantId, identity) =>
      pins.check(participantId, identity, addresses.get(participantId)).status,
    pin: (participantId, identity) =>
      void pins.accept(participantId, identity, addresses.get(participantId)),
    isVerified: (participantId, identity) => pins.isVerified(participantId, identity),
  };
}

/** User id to e-mail address of the org's members (empty when the directory cannot be read). */
async function memberAddresses(orgId: string): Promise<Map<string, string>> {
  try {
    const { entries } = await api(`/orgs/${orgId}/directory`, { schema: directorySchema });
    return new Map(entries.map((entry) => [entry.userId, entry.email]));
  } catch {
    return new Map();
  }
}

/** The meeting as a member sees it: from `?org=` or by asking each of the member's orgs. */
async function findMeeting(
  session: SignedIn,
  meetingId: string,
  orgId: string | null,
): Promise<Meeting> {
  const candidates = orgId ? [orgId] : session.orgs.map((org) => org.id);
  for (const candidate of candidates) {
    try {
      return await api(`/orgs/${candidate}/meetings/${meetingId}`, { schema: meetingSchema });
    } catch (error) {
      if (!isApiError(error, 404) && !isApiError(error, 403)) throw error;
    }
  }
  throw new Error('This meeting does not exist, or you are not one of its organisation’s members.');
}

function MemberEntry({
  session,
  meetingId,
  orgId,
  linkSecret,
}: {
  session: SignedIn;
  meetingId: string;
  orgId: string | null;
  linkSecret: string | null;
}) {
  const identity = useIdentity();
  const [meeting, setMeeting] = useState<Meeting | null>(null);
  const [addresses, setAddresses] = useState<Map<string, string> | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    findMeeting(session, meetingId, orgId)
      .then(async (found) => {
        const known = await memberAddresses(found.orgId);
        if (cancelled) return;
        setAddresses(known);
        setMeeting(found);
      })
      .catch((error: unknown) => !cancelled && setFailure(errorMessage(error)));
    return () => {
      cancelled = true;
    };
  }, [session, meetingId, orgId]);

  const unlocked =
    identity.status === 'unlocked' && identity.userId === session.user.id ? identity : null;
  const entry = useMemo<RoomEntry | null>(() => {
    if (!meeting || !unlocked || !addresses) return null;
    const backend: RoomBackend = {
      openControlSocket: () => new WebSocket(controlUrl(meetingId)) as unknown as SocketLike,
      livekitToken: (occurrenceId) =>
        api(`/orgs/${meeting.orgId}/meetings/${meetingId}/token`, {
          method: 'POST',
          body: { occurrenceId },
          schema: livekitTokenSchema,
        }),
    };
    return {
      meetingId,
      title: meeting.title,
      displayName: session.user.displayName,
      e2ee: meeting.e2ee,
      viewer: 'member',
      exchangeKeys: {
        publicKey: unlocked.identity.exchangePublicKey,
        privateKey: unlocked.identity.exchangePrivateKey,
      },
      pins: pinStoreFor(session.user.id, addresses),
      linkSecret,
      backend,
      askName: false,
      askPasscode: false,
      recordingNotice: describeRecordingPolicy(meeting.effectivePolicy),
      recording: {
        identity: {
          signer: memberConsentSigner(session.user.id, unlocked.identity),
          member: {
            userId: session.user.id,
            identity: unlocked.identity,
            pinnedExchangeKey: (userId) =>
              new KeyPins(localStoragePinStorage(window.localStorage), session.user.id).pinOf(
                userId,
              )?.exchangePublicKey ?? null,
          },
          signingPublicKey: unlocked.identity.signingPublicKey,
        },
        policy: meeting.effectivePolicy.recording,
      },
    };
  }, [meeting, addresses, unlocked, meetingId, session.user, linkSecret]);

  if (failure) return <Centered role="alert">{failure}</Centered>;
  if (!unlocked) {
    return (
      <div className="mx-auto max-w-md space-y-4">
        <h1 className="text-xl font-semibold">Unlock your keys to join</h1>
        <p className="text-sm text-slate-600">
          Meetings are end-to-end encrypted with your keys, which only your password opens.
        </p>
        <UnlockPanel session={session} />
      </div>
    );
  }
  if (!entry) return <Centered>Loading the meeting…</Centered>;
  return <MeetingRoom entry={entry} />;
}

function GuestEntry({ meetingId, linkSecret }: { meetingId: string; linkSecret: string | null }) {
  const [info, setInfo] = useState<LobbyInfo | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [keys, setKeys] = useState<ExchangeKeyPair | null>(null);
  useEffect(() => {
    let cancelled = false;
    void ready().then(() => !cancelled && setKeys(generateExchangeKeyPair()));
    api(`/meetings/${meetingId}/lobby`, { schema: lobbyInfoSchema }).then(
      (found) => !cancelled && setInfo(found),
      (error: unknown) => !cancelled && setFailure(errorMessage(error)),
    );
    return () => {
      cancelled = true;
    };
  }, [meetingId]);

  const entry = useMemo<RoomEntry | null>(() => {
    if (!info || !keys) return null;
    const signingKeys = generateSigningKeyPair();
    let ticket: string | null = null;
    const guestKey = linkSecret
      ? {
          exchangePublicKey: toBase64Url(keys.publicKey),
          binding: bindGuestKey({ linkSecret, meetingId, guestPublicKey: keys.publicKey }),
        }
      : undefined;
    const backend: RoomBackend = {
      async prepare(choices) {
        const granted = await api(`/meetings/${meetingId}/lobby`, {
          method: 'POST',
          body: {
            displayName: choices.displayName ?? '',
            ...(choices.passcode ? { passcode: choices.passcode } : {}),
            ...(guestKey ? { guestKey } : {}),
            ...(ticket ? { resumeTicket: ticket } : {}),
          },
          schema: lobbyTicketSchema,
        }).catch((error: unknown) => {
          throw new Error(errorMessage(error));
        });
        ticket = granted.ticket;
      },
      openControlSocket: () =>
        new WebSocket(
          controlUrl(meetingId, `?ticket=${encodeURIComponent(ticket ?? '')}`),
        ) as unknown as SocketLike,
      livekitToken: () =>
        api(`/meetings/${meetingId}/guest-token`, {
          method: 'POST',
          body: { ticket: ticket ?? '' },
          schema: livekitTokenSchema,
        }),
      ticketRenewed: (fresh) => {
        ticket = fresh;
      },
    };
    return {
      meetingId,
      title: info.title ?? 'Meeting',
      displayName: '',
      e2ee: info.e2ee,
      viewer: 'guest',
      exchangeKeys: keys,
      pins: null,
      linkSecret,
      backend,
      askName: true,
      askPasscode: info.passcodeRequired,
      // Guests consent with an ephemeral key bound to the link (docs/crypto.md section 11).
      recording: {
        identity: {
          signer: guestConsentSigner(signingKeys, linkSecret),
          member: null,
          signingPublicKey: signingKeys.publicKey,
        },
        policy: null,
      },
    };
  }, [info, keys, meetingId, linkSecret]);

  if (failure) return <Centered role="alert">{failure}</Centered>;
  if (info && info.status === 'cancelled') {
    return <Centered role="alert">This meeting was cancelled.</Centered>;
  }
  if (info && info.guests === 'forbidden') {
    return (
      <Centered role="alert">
        This meeting does not admit guests. Sign in with an account of its organisation to join.
      </Centered>
    );
  }
  if (info && !info.nextOccurrence) {
    return <Centered role="alert">This meeting has ended and has no further dates.</Centered>;
  }
  if (!entry) return <Centered>Loading the meeting…</Centered>;
  return <MeetingRoom entry={entry} />;
}

function Centered({ children, role }: { children: React.ReactNode; role?: 'alert' }) {
  return (
    <p role={role ?? 'status'} className="py-16 text-center text-slate-700">
      {children}
    </p>
  );
}
