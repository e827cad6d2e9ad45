'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { meetingSchema, type Meeting } from '@conclave/contracts';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  SelectField,
  Spinner,
  TextField,
} from '../../components/ui';
import { api, ApiError, errorMessage } from '../../lib/api';
import { useOrg } from '../orgs/org-context';
import { MeetingPolicyFields } from '../policies/meeting-policy-fields';
import {
  emptyForm,
  formErrorsFromServer,
  formFromMeeting,
  presetLabels,
  toCreateBody,
  toUpdateBody,
  validateForm,
  type FormErrors,
  type MeetingFormState,
  type RecurrencePreset,
} from './meeting-form';
import { timeZoneNames, viewerTimeZone } from './time';

/** Schedule a meeting, or (with `meetingId`) change one as a host. */
export function MeetingFormPage({ meetingId }: { meetingId?: string }) {
  const { org } = useOrg();
  const router = useRouter();
  const [original, setOriginal] = useState<Meeting | null>(null);
  const [state, setState] = useState<MeetingFormState | null>(() =>
    meetingId ? null : emptyForm(Date.now(), viewerTimeZone()),
  );
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const zones = useMemo(() => timeZoneNames(), []);

  useEffect(() => {
    if (!meetingId) return;
    api(`/orgs/${org.id}/meetings/${meetingId}`, { schema: meetingSchema }).then(
      (meeting) => {
        setOriginal(meeting);
        setState(formFromMeeting(meeting));
      },
      (caught: unknown) => setLoadError(errorMessage(caught)),
    );
  }, [meetingId, org.id]);

  if (loadError)
    return (
      <Alert tone="error" title="Could not load the meeting">
        {loadError}
      </Alert>
    );
  if (!state) return <Spinner label="Loading the meeting…" />;
  if (original && !original.viewer.canEdit) {
    return (
      <Alert tone="warning" title="You cannot change this meeting">
        Only its hosts and the organisation's owners and admins can.
      </Alert>
    );
  }

  const set = <K extends keyof MeetingFormState>(key: K, value: MeetingFormState[K]) =>
    setState((current) => (current ? { ...current, [key]: value } : current));
  const labels = presetLabels(state.date);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!state) return;
    const found = validateForm(state);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => summaryRef.current?.focus());
      return;
    }
    setBusy(true);
    try {
      const saved = original
        ? await api(`/orgs/${org.id}/meetings/${original.id}`, {
            method: 'PATCH',
            body: toUpdateBody(state, original),
            schema: meetingSchema,
          })
        : await api(`/orgs/${org.id}/meetings`, {
            method: 'POST',
            body: toCreateBody(state),
            schema: meetingSchema,
          });
      router.push(`/orgs/${org.id}/meetings/${saved.id}`);
    } catch (caught) {
      const fromServer = caught instanceof ApiError ? formErrorsFromServer(caught.fieldErrors) : {};
      setErrors(Object.keys(fromServer).length > 0 ? fromServer : { form: errorMessage(caught) });
      requestAnimationFrame(() => summaryRef.current?.focus());
    } finally {
      setBusy(false);
    }
  }

  const errorList = Object.entries(errors).filter(([, message]) => message);
  return (
    <form
      onSubmit={(event) => void submit(event)}
      noValidate
      className="space-y-6"
      aria-label={original ? 'Change the meeting' : 'Schedule a meeting'}
    >
      <h2 className="text-xl font-semibold text-slate-900">
        {original ? `Change “${original.title}”` : 'Schedule a meeting'}
      </h2>
      <div ref={summaryRef} tabIndex={-1}>
        {errorList.length > 0 && (
          <Alert tone="error" title="Please fix these">
            <ul className="list-disc pl-5">
              {errorList.map(([field, message]) => (
                <li key={field}>{message}</li>
              ))}
            </ul>
          </Alert>
        )}
      </div>
      <Card title="What and when">
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Title"
            value={state.title}
            onChange={(e) => set('title', e.target.value)}
            error={errors.title}
            required
            className="sm:col-span-2"
          />
          <div className="space-y-1 sm:col-span-2">
            <label
              htmlFor="meeting-description"
              className="block text-sm font-medium text-slate-800"
            >
              Description (visible to invitees and to the server's operator)
            </label>
            <textarea
              id="meeting-description"
              value={state.description}
              onChange={(e) => set('description', e.target.value)}
              rows={3}
              className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
            />
          </div>
          <TextField
            label="Date"
            type="date"
            value={state.date}
            onChange={(e) => set('date', e.target.value)}
            error={errors.date}
          />
          <SelectField
            label="Time zone"
            value={state.timeZone}
            onChange={(e) => set('timeZone', e.target.value)}
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Starts"
            type="time"
            value={state.startTime}
            onChange={(e) => set('startTime', e.target.value)}
            error={errors.startTime}
          />
          <TextField
            label="Ends"
            type="time"
            value={state.endTime}
            onChange={(e) => set('endTime', e.target.value)}
            error={errors.endTime}
          />
          <SelectField
            label="Repeats"
            value={state.preset}
            onChange={(e) => set('preset', e.target.value as RecurrencePreset)}
          >
            {(Object.keys(labels) as RecurrencePreset[]).map((preset) => (
              <option key={preset} value={preset}>
                {labels[preset]}
              </option>
            ))}
          </SelectField>
          {errors.preset && <p className="text-sm text-red-700 sm:col-span-2">{errors.preset}</p>}
          {state.preset === 'custom' && (
            <TextField
              label="Rule"
              value={state.customRule}
              onChange={(e) => set('customRule', e.target.value)}
              error={errors.customRule}
              hint="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"
              className="sm:col-span-2"
            />
          )}
          {state.preset !== 'none' && state.preset !== 'custom' && (
            <>
              <SelectField
                label="Series ends"
                value={state.end}
                onChange={(e) => set('end', e.target.value as MeetingFormState['end'])}
              >
                <option value="never">Never</option>
                <option value="count">After a number of times</option>
                <option value="until">On a day</option>
              </SelectField>
              {state.end === 'count' && (
                <TextField
                  label="Times"
                  inputMode="numeric"
                  value={state.count}
                  onChange={(e) => set('count', e.target.value)}
                  error={errors.count}
                />
              )}
              {state.end === 'until' && (
                <TextField
                  label="Last day"
                  type="date"
                  value={state.until}
                  onChange={(e) => set('until', e.target.value)}
                  error={errors.until}
                />
              )}
            </>
          )}
        </div>
      </Card>
      <Card title="Who">
        <div className="grid gap-4">
          <div className="space-y-1">
            <label htmlFor="meeting-invitees" className="block text-sm font-medium text-slate-800">
              Invitees
            </label>
            <textarea
              id="meeting-invitees"
              value={state.invitees}
              onChange={(e) => set('invitees', e.target.value)}
              rows={3}
              aria-describedby="meeting-invitees-hint"
              aria-invalid={errors.invitees ? true : undefined}
              className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
            />
            <p id="meeting-invitees-hint" className="text-xs text-slate-500">
              E-mail addresses, one per line or separated by commas. Members of the organisation
              join directly; other addresses get a lobby link by e-mail.
            </p>
            {errors.invitees && <p className="text-sm text-red-700">{errors.invitees}</p>}
          </div>
          <TextField
            label="Co-hosts"
            value={state.hosts}
            onChange={(e) => set('hosts', e.target.value)}
            error={errors.hosts}
            hint="Members who may admit people from the lobby and change the meeting. You are always a host."
          />
          <Checkbox
            label="Open to every member of the organisation"
            hint="Members who are not invited join without waiting in the lobby."
            checked={state.openToOrg}
            onChange={(e) => set('openToOrg', e.target.checked)}
          />
        </div>
      </Card>
      <Card title="Security">
        <div className="grid gap-4 sm:grid-cols-2">
          <Checkbox
            label="End-to-end encryption"
            hint="The server cannot see or hear the meeting. Turn off only if your organisation allows it."
            checked={state.e2ee}
            onChange={(e) => set('e2ee', e.target.checked)}
          />
          <Checkbox
            label="Guests may ask to join"
            hint="People without an account wait in the lobby until a host lets them in."
            checked={state.guests}
            onChange={(e) => set('guests', e.target.checked)}
          />
          <TextField
            label="Passcode for guests (optional)"
            type="password"
            autoComplete="new-password"
            value={state.passcode}
            onChange={(e) => set('passcode', e.target.value)}
            error={errors.passcode}
            hint={
              original?.hasPasscode
                ? 'Leave empty to keep the current passcode.'
                : 'Guests type it in the lobby. At least 9 digits, or 6 characters with letters.'
            }
          />
          {original?.hasPasscode && (
            <Checkbox
              label="Keep the current passcode"
              checked={state.keepPasscode}
              onChange={(e) => set('keepPasscode', e.target.checked)}
            />
          )}
          <TextField
            label="Joining opens (minutes before the start)"
            inputMode="numeric"
            value={state.earlyJoinMinutes}
            onChange={(e) => set('earlyJoinMinutes', e.target.value)}
            error={errors.earlyJoinMinutes}
          />
        </div>
      </Card>
      <MeetingPolicyFields
        orgId={org.id}
        value={state.policy}
        onChange={(next) => set('policy', next)}
        error={errors.policy}
      />
      <div className="flex flex-wrap items-center gap-4">
        <Checkbox
          label={original ? 'E-mail the change to invitees' : 'E-mail invitations'}
          checked={state.notify}
          onChange={(e) => set('notify', e.target.checked)}
        />
        <Button type="submit" busy={busy} busyLabel="Saving…">
          {original ? 'Save changes' : 'Schedule'}
        </Button>
        <Button variant="ghost" onClick={() => router.back()}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
