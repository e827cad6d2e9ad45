'use client';

import { resetStartResponseSchema, signedInSchema } from '@conclave/contracts';
import { Alert } from '../../src/components/ui';
import { makeNewAccountKeys } from '../../src/features/identity/account-keys';
import { browserKdfPins } from '../../src/features/identity/kdf-pins';
import { NewPasswordFromLink } from '../../src/features/session/new-password-from-link';
import { api } from '../../src/lib/api';

/** After an admin reset: a new password and new keys (the old keys cannot be recovered). */
export default function ResetPage() {
  return (
    <NewPasswordFromLink
      title="Reset your account"
      startPath="/auth/reset/start"
      startSchema={resetStartResponseSchema}
      intro={(info) => (
        <Alert tone="warning" title="You will get new keys">
          An admin of {info.orgName} reset the account of {info.displayName} ({info.email}). Your
          colleagues will see that your keys changed, and recordings made for your old keys stay
          readable only by their other recipients. If you still have your recovery code, use “Forgot
          password” on the sign-in page instead.
        </Alert>
      )}
      submitLabel="Set the password and make new keys"
      busyLabel="Making your new keys on this device…"
      complete={async (_info, password, token) => {
        const keys = await makeNewAccountKeys(password);
        const session = await api('/auth/reset/complete', {
          body: { ...keys.body, token },
          schema: signedInSchema,
        });
        browserKdfPins()?.remember(session.user.email, keys.body.kdfParams);
        return { session, identity: keys.identity, recoveryCode: keys.recoveryCode };
      }}
      doneTitle="Your account is reset"
      doneDescription="You have new keys and a new recovery code."
    />
  );
}
