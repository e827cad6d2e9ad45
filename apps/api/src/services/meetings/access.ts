import type { OrgRole } from '@conclave/contracts';
import type { DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { ALL_ROLES, MANAGER_ROLES, requireOrgRole } from '../accounts/authorization';
import { loadMeeting, meetingNotFound, type MeetingRecord, type ViewerAccess } from './model';

/**
 * Who may see and change a meeting (docs/meetings.md, "Who may do what"):
 * - not a member of the org: 404, as for a meeting that does not exist;
 * - owners, admins and compliance officers see every meeting of the org (metadata only);
 * - members see meetings they host or are invited to, and meetings open to the whole org;
 *   any other meeting is a 404 to them too;
 * - hosts, owners and admins change and cancel it; any member may schedule one.
 */
export const ORG_WIDE_VIEWERS: readonly OrgRole[] = ['owner', 'admin', 'compliance'];

export function viewerAccess(
  meeting: MeetingRecord,
  viewer: { userId: string; email: string; orgRole: OrgRole },
): ViewerAccess & { canView: boolean } {
  const email = viewer.email.toLowerCase();
  const invitation =
    meeting.invitees.find((invitee) => invitee.userId === viewer.userId) ??
    meeting.invitees.find((invitee) => invitee.userId === null && invitee.email === email) ??
    null;
  const isHost = invitation?.role === 'host';
  const joinsDirectly = isHost || invitation !== null || meeting.audience === 'org';
  return {
    userId: viewer.userId,
    orgRole: viewer.orgRole,
    isHost,
    canEdit: isHost || MANAGER_ROLES.includes(viewer.orgRole),
    invitation,
    joinsDirectly,
    canView: joinsDirectly || ORG_WIDE_VIEWERS.includes(viewer.orgRole),
  };
}

/** The meeting and the viewer's access to it, or the 404 that hides it. */
export async function requireMeetingAccess(
  db: DbOrTx,
  options: { orgId: string; meetingId: string; userId: string; email: string },
): Promise<{ meeting: MeetingRecord; access: ViewerAccess }> {
  const membership = await requireOrgRole(db, {
    orgId: options.orgId,
    userId: options.userId,
    roles: ALL_ROLES,
  });
  const meeting = await loadMeeting(db, { meetingId: options.meetingId, orgId: options.orgId });
  if (!meeting) throw meetingNotFound();
  const access = viewerAccess(meeting, {
    userId: options.userId,
    email: options.email,
    orgRole: membership.role,
  });
  if (!access.canView) throw meetingNotFound();
  return { meeting, access };
}

export function requireEditor(access: ViewerAccess): void {
  if (!access.canEdit) {
    throw new AppError(
      'forbidden',
      "Only the meeting's hosts and the organisation's owners and admins can change it.",
    );
  }
}

export function requireScheduled(meeting: MeetingRecord): void {
  if (meeting.status === 'cancelled') {
    throw new AppError('conflict', 'This meeting was cancelled; it cannot be changed any more.');
  }
}
