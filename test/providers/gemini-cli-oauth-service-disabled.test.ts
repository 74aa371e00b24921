import { expect, test } from 'bun:test';
import { describeGenerateError, withCodeAssistHint } from '../../src/providers/gemini-cli-oauth/error-hints.ts';

// The 403 a user gets with gemini.project_id set to a project where the API is off (google-gemini/gemini-cli#1343).
const activationUrl = 'https://console.developers.google.com/apis/api/cloudaicompanion.googleapis.com/overview?project=my-sandbox-395446';
const message =
  `Gemini for Google Cloud API has not been used in project my-sandbox-395446 before or it is disabled. Enable it by visiting ${activationUrl} then retry. ` +
  'If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.';
const body = JSON.stringify({
  error: {
    code: 403,
    message,
    status: 'PERMISSION_DENIED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'SERVICE_DISABLED',
        domain: 'googleapis.com',
        metadata: { serviceTitle: 'Gemini for Google Cloud API', consumer: 'projects/my-sandbox-395446', containerInfo: 'my-sandbox-395446', service: 'cloudaicompanion.googleapis.com', activationUrl },
      },
    ],
  },
});

test('a project with the Gemini for Google Cloud API disabled is told to enable it, not that the account is refused', () => {
  for (const out of [
    describeGenerateError({ status: 403, kind: 'permission', message }, body),
    withCodeAssistHint({ status: 403, kind: 'permission', message: `Code Assist loadCodeAssist failed: ${message}` }, body),
  ]) {
    expect(out.message).toContain(message);
    expect(out.message).toContain('Hint:');
    expect(out.message).toContain('cloudaicompanion.googleapis.com');
    expect(out.message).not.toContain('does not let this account');
    expect(out.message).not.toContain('personal accounts');
  }
});
