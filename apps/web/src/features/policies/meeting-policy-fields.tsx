'use client';

import { useEffect, useState } from 'react';
import { orgPolicyResponseSchema, type OrgPolicy } from '@conclave/contracts';
import { Card, SelectField, Spinner, TextField } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import {
  SETTING_INFO,
  meetingChoices,
  type MeetingPolicyFormState,
  type RecordingSetting,
} from './policy-view';

const ORDERED = ['allowed', 'consent', 'audioOnly', 'escrow'] as const;
const DAYS = ['retentionDays', 'minRetentionDays'] as const;

/**
 * The meeting form's recording card: hosts may tighten what the org did not lock. Locked
 * settings are shown disabled with the org's value; the server checks again.
 */
export function MeetingPolicyFields({
  orgId,
  value,
  onChange,
  error,
}: {
  orgId: string;
  value: MeetingPolicyFormState;
  onChange: (next: MeetingPolicyFormState) => void;
  error?: string | undefined;
}) {
  const [org, setOrg] = useState<OrgPolicy | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    api(`/orgs/${orgId}/policy`, { schema: orgPolicyResponseSchema }).then(
      (body) => setOrg(body.policy),
      (caught: unknown) => setLoadError(errorMessage(caught)),
    );
  }, [orgId]);

  const set = (key: RecordingSetting, next: string) => onChange({ ...value, [key]: next });
  return (
    <Card
      title="Recording"
      description="Your organisation's policy applies. You may tighten a setting it did not lock for this meeting."
    >
      {loadError && <p className="text-sm text-red-700">{loadError}</p>}
      {!org && !loadError && <Spinner label="Loading the organisation's policy…" />}
      {org && (
        <div className="grid gap-4 sm:grid-cols-2">
          {ORDERED.map((key) => {
            const { locked, choices } = meetingChoices(org, key);
            return (
              <div key={key}>
                <SelectField
                  label={SETTING_INFO[key].label}
                  value={locked ? '' : value[key]}
                  disabled={locked || choices.length === 1}
                  onChange={(e) => set(key, e.target.value)}
                >
                  {choices.map((choice) => (
                    <option key={choice.value} value={choice.value}>
                      {choice.label}
                    </option>
                  ))}
                </SelectField>
                <p className="mt-1 text-xs text-slate-500">
                  {locked
                    ? 'Locked by your organisation.'
                    : choices.length === 1
                      ? 'Already as tight as it gets.'
                      : SETTING_INFO[key].hint}
                </p>
              </div>
            );
          })}
          {DAYS.map((key) => {
            const setting = org.recording[key];
            const orgText =
              setting.value === null
                ? 'none'
                : `${setting.value} day${setting.value === 1 ? '' : 's'}`;
            return (
              <TextField
                key={key}
                label={SETTING_INFO[key].label}
                inputMode="numeric"
                placeholder={`As the organisation (${orgText})`}
                value={setting.locked ? '' : value[key]}
                disabled={setting.locked}
                onChange={(e) => set(key, e.target.value)}
                hint={
                  setting.locked
                    ? `Locked by your organisation (${orgText}).`
                    : key === 'retentionDays'
                      ? 'Shorter than the organisation’s, or empty to follow it.'
                      : 'Longer than the organisation’s, or empty to follow it.'
                }
              />
            );
          })}
        </div>
      )}
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {error}
        </p>
      )}
    </Card>
  );
}
