import { ProxyError } from '../../core/errors.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { callCodeAssist, type CodeAssistCallOptions } from './code-assist-call.ts';
import { withCodeAssistHint } from './error-hints.ts';

export interface ProjectDiscoveryOptions extends CodeAssistCallOptions {
  /**
   * gemini.project_id / --project-id / GOOGLE_CLOUD_PROJECT: given to loadCodeAssist and onboardUser as the
   * Gemini CLI gives it, and used where Code Assist names no project of its own.
   */
  configured?: string;
  /** Onboarding is a long-running operation, polled this often… */
  pollIntervalMs?: number;
  /** …at most this many times. */
  maxPolls?: number;
}

export interface ProjectResolver {
  /** The project for generate calls; discovered once per sign-in and cached. Throws a ProxyError with Google's reason. */
  project(): Promise<string>;
}

/** What the Gemini CLI sends; Code Assist uses it to pick the plugin's tiers. */
const METADATA = { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' } as const;
const PROJECT_SETTINGS = 'gemini.project_id (--project-id, GOOGLE_CLOUD_PROJECT)';

/**
 * The Code Assist project, found the way the Gemini CLI's setup does it (protocols.md §4.4): loadCodeAssist
 * says whether the account is onboarded and which project it was given; if it is not onboarded yet,
 * onboardUser on the default tier, polling the operation until Google has provisioned the project.
 * Free tier: no project in onboardUser (Google answers Precondition Failed otherwise). A configured
 * project goes through the same steps rather than straight into generate calls: an account of a paid
 * tier that was never set up is onboarded in it (generate calls are refused until then), and a free-tier
 * account whose environment has GOOGLE_CLOUD_PROJECT set for other Google tools gets the project Code
 * Assist manages for it, which is the one its calls are allowed in.
 */
export function createProjectResolver(o: ProjectDiscoveryOptions): ProjectResolver {
  /** The project discovered, and for which sign-in: another account has a project of its own. */
  let found: { project: string; signIn: number } | undefined;
  /** The discovery under way, and for which sign-in: one begun for the old account is not the new one's. */
  let discovering: { project: Promise<string>; signIn: number } | undefined;
  return {
    async project() {
      // The token first: it is what notices that the Gemini CLI signed in as another account since (its
      // /auth rewrites the shared file), whose requests the old project would refuse (Kilo-Org/kilocode#2525).
      await o.tokens.accessToken();
      const signIn = o.tokens.signIn();
      if (found?.signIn === signIn) return found.project;
      // One discovery for every request of this sign-in that arrives meanwhile; a failure is not cached,
      // the next request tries again.
      if (discovering?.signIn === signIn) return discovering.project;
      const current: { project: Promise<string>; signIn: number } = {
        signIn,
        project: discover(o)
          .then((project) => {
            if (o.tokens.signIn() === signIn) found = { project, signIn };
            return project;
          })
          .finally(() => {
            if (discovering === current) discovering = undefined;
          }),
      };
      discovering = current;
      return current.project;
    },
  };
}

async function discover(o: ProjectDiscoveryOptions): Promise<string> {
  const configured = o.configured || undefined;
  const withProject = configured ? { cloudaicompanionProject: configured, metadata: { ...METADATA, duetProject: configured } } : { metadata: METADATA };
  const load = await callCodeAssist(o, 'POST', ':loadCodeAssist', withProject);
  if (isRecord(load.currentTier)) {
    const project = projectId(load.cloudaicompanionProject) ?? configured;
    if (project) return project;
    throw noProject(load, `the account is on ${tierName(load.currentTier)} but Google assigned it no project`);
  }

  // The Gemini CLI does not onboard an account Google first wants verified; it shows the link instead.
  const verify = ineligibleTiers(load).find((t) => t.reasonCode === 'VALIDATION_REQUIRED' && typeof t.validationUrl === 'string' && t.validationUrl !== '');
  if (verify) {
    const why = typeof verify.reasonMessage === 'string' ? ` (Google says: ${verify.reasonMessage})` : '';
    throw new ProxyError({
      kind: 'permission',
      message: `Google wants this account verified before it can use Code Assist${why}: open ${String(verify.validationUrl)} in a browser signed in to the same Google account, then retry.`,
    });
  }

  const tier = defaultTier(load);
  if (tier.userDefinedCloudaicompanionProject === true && !configured) {
    // Often the free tier was refused (location, account type) and this is all that is left: say so too.
    const reasons = googleReasons(load);
    throw new ProxyError({
      kind: 'permission',
      message: `this Google account's Code Assist tier (${tierName(tier)}) needs your own Google Cloud project: set ${PROJECT_SETTINGS}.${reasons.length > 0 ? ` Google says: ${reasons.join('; ')}.` : ''}`,
    });
  }
  const tierId = typeof tier.id === 'string' ? tier.id : 'legacy-tier';
  const onboarding = tierId === 'free-tier' ? { tierId, metadata: METADATA } : { tierId, ...withProject };
  let op = await callCodeAssist(o, 'POST', ':onboardUser', onboarding);
  const maxPolls = o.maxPolls ?? 30;
  for (let polls = 0; op.done !== true; polls++) {
    if (polls >= maxPolls) {
      // An onboarding that never finishes is how Google answered accounts it refuses, whose reasons were
      // in loadCodeAssist all along ("This client is no longer supported for Gemini Code Assist for
      // individuals", aaif-goose/goose#11045): those say more than "try again".
      const reasons = googleReasons(load);
      throw new ProxyError({
        kind: 'timeout',
        message: `Google is still setting up Code Assist for this account (onboardUser did not finish after ${maxPolls} polls); try again in a minute${configured ? '' : `, or set ${PROJECT_SETTINGS}`}.${reasons.length > 0 ? ` Google says: ${reasons.join('; ')}.` : ''}`,
      });
    }
    await Bun.sleep(o.pollIntervalMs ?? 2_000);
    // Newer Gemini CLIs poll the operation; older ones re-sent onboardUser, which also answers with it.
    op = typeof op.name === 'string' && op.name !== '' ? await callCodeAssist(o, 'GET', `/${op.name}`) : await callCodeAssist(o, 'POST', ':onboardUser', onboarding);
  }
  if (isRecord(op.error)) {
    const message = typeof op.error.message === 'string' ? op.error.message : 'unknown error';
    throw new ProxyError(withCodeAssistHint({ status: 403, kind: 'permission', message: `Code Assist onboarding failed: ${message}` }));
  }
  const project = (isRecord(op.response) ? projectId(op.response.cloudaicompanionProject) : undefined) ?? configured;
  if (project) return project;
  throw noProject(load, `onboarding on ${tierName(tier)} finished without a project`);
}

/** loadCodeAssist gives the project as a string; the onboarding operation as `{id, name}`. */
function projectId(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (isRecord(v) && typeof v.id === 'string' && v.id !== '') return v.id;
  return undefined;
}

function defaultTier(load: JsonObject): JsonObject {
  const tiers = Array.isArray(load.allowedTiers) ? load.allowedTiers.filter(isRecord) : [];
  // As the Gemini CLI does when Google offers no tier: the legacy tier, which lives in the user's own project.
  return tiers.find((t) => t.isDefault === true) ?? { id: 'legacy-tier', userDefinedCloudaicompanionProject: true };
}

function tierName(tier: unknown): string {
  if (!isRecord(tier)) return 'an unknown tier';
  return typeof tier.id === 'string' ? tier.id : typeof tier.name === 'string' ? tier.name : 'an unknown tier';
}

function ineligibleTiers(load: JsonObject): JsonObject[] {
  return (Array.isArray(load.ineligibleTiers) ? load.ineligibleTiers : []).filter(isRecord);
}

function googleReasons(load: JsonObject): string[] {
  return ineligibleTiers(load).map((t) => {
    const text = typeof t.reasonMessage === 'string' ? t.reasonMessage : 'not eligible';
    const code = typeof t.reasonCode === 'string' ? ` (${t.reasonCode})` : '';
    const url = typeof t.validationUrl === 'string' ? ` ${t.validationUrl}` : '';
    return `${text}${code}${url}`;
  });
}

/** Google's own reasons (ineligibleTiers) beat our guess when it sent them. */
function noProject(load: JsonObject, what: string): ProxyError {
  const reasons = googleReasons(load);
  const why = reasons.length > 0 ? `Google says: ${reasons.join('; ')}.` : `Set ${PROJECT_SETTINGS} to a project to use.`;
  return new ProxyError(withCodeAssistHint({ status: 403, kind: 'permission', message: `no Code Assist project for this Google account: ${what}. ${why}` }));
}
