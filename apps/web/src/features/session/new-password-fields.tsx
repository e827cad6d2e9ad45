'use client';

import { TextField } from '../../components/ui';

export const MIN_PASSWORD_LENGTH = 10;

/** Checks shared by every "choose a password" form. */
export function passwordProblems(password: string, confirm: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (password.length < MIN_PASSWORD_LENGTH)
    problems.password = `Use at least ${MIN_PASSWORD_LENGTH} characters (a few words make a strong password).`;
  if (confirm !== password) problems.confirm = 'The two passwords are not the same.';
  return problems;
}

/**
 * The password and its repetition, with `passwordProblems`' messages under each. A new
 * account asks for "the password" and says where it stays; every other form replaces one
 * and asks for "the new password".
 */
export function NewPasswordFields({
  password,
  confirm,
  onPasswordChange,
  onConfirmChange,
  fieldErrors,
  forNewAccount = false,
}: {
  password: string;
  confirm: string;
  onPasswordChange: (password: string) => void;
  onConfirmChange: (confirm: string) => void;
  fieldErrors: Record<string, string>;
  forNewAccount?: boolean;
}) {
  return (
    <>
      <TextField
        label={forNewAccount ? 'Password' : 'New password'}
        type="password"
        name={forNewAccount ? 'new-password' : undefined}
        autoComplete="new-password"
        required
        value={password}
        error={fieldErrors.password}
        hint={
          forNewAccount
            ? 'Your password never leaves this device: it unlocks your keys here. Nobody can reset it without your recovery code.'
            : undefined
        }
        onChange={(event) => onPasswordChange(event.target.value)}
      />
      <TextField
        label={forNewAccount ? 'Repeat the password' : 'Repeat the new password'}
        type="password"
        name={forNewAccount ? 'confirm-password' : undefined}
        autoComplete="new-password"
        required
        value={confirm}
        error={fieldErrors.confirm}
        onChange={(event) => onConfirmChange(event.target.value)}
      />
    </>
  );
}
