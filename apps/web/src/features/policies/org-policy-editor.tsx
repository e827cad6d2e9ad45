'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { orgPolicyResponseSchema, type OrgPolicyResponse } from '@conclave/contracts';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  SelectField,
  Spinner,
  TextField,
} from '../../components/ui';
import { api, errorMessage, isApiError } from '../../lib/api';
import {
  ENUM_VALUES,
  OPTION_LABELS,
  SETTING_INFO,
  formFromPolicy,
  policyErrorsFromServer,
  policyFromForm,
  type PolicyFormErrors,
  type PolicyFormState,
  type SettingKey,
} from './policy-view';

const MEETING_SETTINGS: SettingKey[] = ['e2ee', 'guests'];
const RECORDING_SETTINGS: SettingKey[] = [
  'allowed',
  'consent',
  'audioOnly',
  'escrow',
  'retentionDays',
  'minRetentionDays',
];

/**
 * The org's policy on the settings page: owners and admins edit each setting and its lock;
 * everyone else sees it read-only. Saving replaces the whole policy; the server's refusals
 * (escrow without compliance keys, a minimum above the retention) appear on their field.
 */
export function OrgPolicyEditor({ orgId, canEdit }: { orgId: string; canEdit: boolean }) {
  const [loaded, setLoaded] = useState<OrgPolicyResponse | null>(null);
  const [form, setForm] = useState<PolicyFormState | null>(null);
  const [errors, setErrors] = useState<PolicyFormErrors>({});
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    api(`/orgs/${orgId}/policy`, { schema: orgPolicyResponseSchema })
      .then((body) => {
        setLoaded(body);
        setForm(formFromPolicy(body.policy));
      })
      .catch((error: unknown) => setNotice({ tone: 'error', text: errorMessage(error) }));
  }, [orgId]);

  if (!form || !loaded) {
    return (
      <Card title="Policy">
        {notice ? (
          <Alert tone="error">{notice.text}</Alert>
        ) : (
          <Spinner label="Loading the policy…" />
        )}
      </Card>
    );
  }

  const update = (key: SettingKey, change: Partial<{ value: string; locked: boolean }>) => {
    setForm({ ...form, [key]: { ...form[key], ...change } });
    setErrors((current) => ({ ...current, [key]: undefined }));
  };

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!form) return;
    setNotice(null);
    const result = policyFromForm(form);
    if ('errors' in result) {
      setErrors(result.errors);
      setNotice({ tone: 'error', text: 'Some settings need a fix before saving.' });
      return;
    }
    setSaving(true);
    try {
      const body = await api(`/orgs/${orgId}/policy`, {
        method: 'PUT',
        body: result.policy,
        schema: orgPolicyResponseSchema,
      });
      setLoaded(body);
      setForm(formFromPolicy(body.policy));
      setErrors({});
      setNotice({
        tone: 'success',
        text: 'The policy was saved. It applies to every meeting now, existing ones included.',
      });
    } catch (error) {
      if (isApiError(error)) setErrors(policyErrorsFromServer(error.fieldErrors));
      setNotice({ tone: 'error', text: errorMessage(error) });
    } finally {
      setSaving(false);
    }
  }

  const field = (key: SettingKey) => {
    const info = SETTING_INFO[key];
    const setting = form[key];
    const isEnum = key !== 'retentionDays' && key !== 'minRetentionDays';
    return (
      <div key={key} className="grid gap-2 border-t border-slate-100 py-3 sm:grid-cols-[1fr_auto]">
        {isEnum ? (
          <div>
            <SelectField
              label={info.label}
              value={setting.value}
              disabled={!canEdit}
              onChange={(e) => update(key, { value: e.target.value })}
              aria-describedby={`policy-${key}-hint`}
            >
              {ENUM_VALUES[key].map((value) => (
                <option key={value} value={value}>
                  {OPTION_LABELS[key][value]}
                </option>
              ))}
            </SelectField>
            <p id={`policy-${key}-hint`} className="mt-1 text-xs text-slate-500">
              {info.hint}
            </p>
            {errors[key] && <p className="mt-1 text-sm text-red-700">{errors[key]}</p>}
          </div>
        ) : (
          <TextField
            label={info.label}
            inputMode="numeric"
            value={setting.value}
            disabled={!canEdit}
            placeholder="No limit"
            hint={info.hint}
            error={errors[key]}
            onChange={(e) => update(key, { value: e.target.value })}
          />
        )}
        <div className="sm:pt-6">
          <Checkbox
            label={`Lock ${info.label.toLowerCase()}`}
            hint="Meetings cannot change it"
            checked={setting.locked}
            disabled={!canEdit}
            onChange={(e) => update(key, { locked: e.target.checked })}
          />
        </div>
      </div>
    );
  };

  return (
    <Card
      title="Policy"
      description={
        canEdit
          ? 'What meetings in this organisation allow. Hosts may tighten an unlocked setting for their meeting, never loosen it.'
          : 'What meetings in this organisation allow. Owners and admins change it.'
      }
    >
      <form onSubmit={(event) => void save(event)} aria-label="Organisation policy" noValidate>
        {notice && (
          <Alert tone={notice.tone} className="mb-3">
            {notice.text}
          </Alert>
        )}
        {errors.form && (
          <Alert tone="error" className="mb-3">
            {errors.form}
          </Alert>
        )}
        <h3 className="mt-2 text-sm font-semibold text-slate-900">Meetings</h3>
        {MEETING_SETTINGS.map(field)}
        <h3 className="mt-4 text-sm font-semibold text-slate-900">Recording</h3>
        {RECORDING_SETTINGS.map(field)}
        <p className="mt-3 text-xs text-slate-500">
          {loaded.updatedAt
            ? `Last changed ${new Date(loaded.updatedAt).toLocaleString()}.`
            : 'The defaults apply: this organisation has not changed its policy.'}
        </p>
        {canEdit && (
          <div className="mt-4 flex flex-wrap gap-3">
            <Button type="submit" disabled={saving}>
              {saving ? 'Saving…' : 'Save policy'}
            </Button>
            <Button
              type="button"
              variant="secondary"
              onClick={() => {
                setForm(formFromPolicy(loaded.defaults));
                setErrors({});
                setNotice(null);
              }}
            >
              Reset to defaults
            </Button>
          </div>
        )}
      </form>
    </Card>
  );
}
