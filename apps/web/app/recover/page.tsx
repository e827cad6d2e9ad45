'use client';

import { useState } from 'react';
import { isCryptoError } from '@conclave/crypto';
import { recoveryStartResponseSchema, signedInSchema } from '@conclave/contracts';
import { TextField, TextLink } from '../../src/components/ui';
import { makeRecovery } from '../../src/features/identity/account-keys';
import { browserKdfPins } from '../../src/features/identity/kdf-pins';
import { NewPasswordFromLink } from '../../src/features/session/new-password-from-link';
import { api } from '../../src/lib/api';

/**
 * "Forgot password", step 2 (from the mailed link): the recovery code opens the identity
 * here, the new password re-wraps it, and a signature of the server's challenge proves the
 * code was right. The identity (and access to past recordings) is kept.
 */
export default function RecoverPage() {
  const [code, setCode] = useState('');
  return (
    <NewPasswordFromLink
      title="Choose a new password"
      startPath="/auth/recovery/start"
      startSchema={recoveryStartResponseSchema}
      loadErrorHelp={
        <p className="text-sm">
          <TextLink href="/forgot-password">Ask for a new link</TextLink>
        </p>
      }
      intro={(start) => <p className="text-sm text-slate-600">For {start.email}.</p>}
      extraFields={(fieldErrors) => (
        <TextField
          label="Recovery code"
          autoComplete="off"
          spellCheck={false}
          required
          value={code}
          error={fieldErrors.code}
          hint="The code you saved when you created the account (groups of 4 characters)."
          onChange={(event) => setCode(event.target.value)}
        />
      )}
      submitLabel="Set the new password"
      busyLabel="Opening your keys with the recovery code and protecting them with the new password…"
      complete={async (start, password, token) => {
        let recovery;
        try {
          recovery = await makeRecovery(start, code, password, token);
        } catch (caught) {
          if (
            isCryptoError(caught, 'RECOVERY_CODE_CHECKSUM') ||
            isCryptoError(caught, 'INVALID_RECOVERY_CODE')
          ) {
            return {
              fieldErrors: { code: 'This is not a valid recovery code: check for a typo.' },
            };
          }
          if (isCryptoError(caught, 'DECRYPTION_FAILED')) {
            return { fieldErrors: { code: 'This recovery code does not belong to your account.' } };
          }
          throw caught;
        }
        const session = await api('/auth/recovery/complete', {
          body: recovery.body,
          schema: signedInSchema,
        });
        browserKdfPins()?.remember(session.user.email, recovery.body.kdfParams);
        return { session, identity: recovery.identity, recoveryCode: recovery.recoveryCode };
      }}
      doneTitle="Your new password is set"
      doneDescription="You kept your keys. Your old recovery code no longer works: here is your new one."
    />
  );
}
