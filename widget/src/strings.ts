/**
 * Every text `<everjust-builder>` shows or says, in English. A host translates or rewords any of them
 * with the element's `strings` property (`builder.strings = { send: 'Bauen' }`); `{name}` marks a
 * value filled in when the text is used. `locale` (attribute) picks how dates and sizes are written.
 */
export const DEFAULT_STRINGS = {
  title: 'Build an app',
  connecting: 'Connecting…',
  ready: 'Ready',
  promptLabel: 'Describe the app to build',
  promptLabelFollowUp: 'Describe a change',
  hint: 'Enter sends, Shift+Enter starts a new line, Escape cancels a running build.',
  send: 'Build',
  attach: 'Attach images',
  attachRemove: 'Remove {name}',
  attachNotImage: '{name} is not a PNG, JPEG, WebP or GIF image.',
  attachTooLarge: '{name} is larger than 5 MB.',
  attachTooMany: 'At most {max} images per prompt.',
  attachedImage: '1 image attached',
  attachedImages: '{count} images attached',
  cancel: 'Cancel',
  cancelling: 'Cancelling…',
  retry: 'Retry',
  restartPreview: 'Restart preview',
  startingPreview: 'Starting the preview…',
  building: 'Building…',
  queued: 'Queued…',
  running: 'Running…',
  runningStep: 'Running: {step}',
  reconnecting: 'Reconnecting…',
  buildEnded: 'Build {status}',
  previewEnded: 'Preview {status}',
  statusSucceeded: 'succeeded',
  statusFailed: 'failed',
  statusCancelled: 'cancelled',
  conversation: 'Conversation',
  emptyThread: 'Describe the app you want, and it is built here.',
  you: 'You',
  assistant: 'Builder',
  earlier: 'Show earlier messages',
  details: '{files} files, {commands} commands',
  showSteps: 'Steps',
  previewStep: 'Preview',
  waitingForAnswer: 'Waiting for your answer…',
  yourAnswer: 'Your answer',
  answer: 'Answer',
  answered: 'You answered: {answer}',
  asked: 'Asked: {question}',
  previewReady: 'Preview ready',
  checkedClean: 'Checked the app in a browser: no errors',
  checkedErrors: 'Checked the app in a browser: {count} error(s): {first}',
  repairing: 'Fixing what the check found (round {round})…',
  previewFailed: 'Preview failed: {reason}',
  fileDeleted: 'Deleted {path}',
  timedOut: 'Timed out',
  exited: 'Exited with {code} in {seconds} s',
  tabPreview: 'Preview',
  tabFiles: 'Files',
  tabVersions: 'Versions',
  noFiles: 'No files yet.',
  noPreview: 'No preview yet: build something first.',
  deletedFile: '(deleted)',
  contentOf: 'Content of {path}',
  lastChange: 'Last change',
  diffOf: 'Last change of {path}',
  diffSummary: '{added} added, {removed} removed',
  diffSkipped: '⋯',
  reload: 'Reload',
  appError: '1 error in the app',
  appErrors: '{count} errors in the app',
  fixIt: 'Fix it',
  fixPrompt: 'Fix the errors in the app',
  openInTab: 'Open in a new tab',
  download: 'Download ZIP',
  downloadVersion: 'Download',
  devicePhone: 'Phone',
  deviceTablet: 'Tablet',
  deviceFull: 'Full width',
  previewFrame: 'Preview of the generated app',
  noVersions: 'Every finished build becomes a version you can go back to.',
  current: 'Current',
  restore: 'Restore',
  previewVersion: 'Preview',
  viewingVersion: 'Showing the version of {time}.',
  backToCurrent: 'Back to the current version',
  restored: 'Restored the version of {time}',
  readonly: 'View only',
  versionThumbnail: 'Screenshot of the version: {prompt}',
  deploy: 'Deploy',
  deployStep: 'Deploy the app',
  deploying: 'Deploying…',
  deployPhase: 'Deploying: {phase} ({done} of {total} steps)',
  // App Platform's deployment phases, as {phase} in deployPhase and deployFailed.
  phasePendingBuild: 'waiting to build',
  phaseBuilding: 'building',
  phasePendingDeploy: 'waiting to deploy',
  phaseDeploying: 'deploying',
  phaseActive: 'live',
  phaseError: 'error',
  phaseCanceled: 'cancelled',
  deployReady: 'Live at {url}',
  deployFailed: 'Deploy failed ({phase}): {log}',
  deployEnded: 'Deploy {status}',
  live: 'Live:',
  openLive: 'Open the live app: {url}',
  errorDeployNotAllowed: 'Deploying is not turned on for this builder.', // FORBIDDEN, reason WIDGET_PERMISSION_REQUIRED
  errorPrefix: 'Error: {message}',
  // Errors a person can act on (the `code` of `everjust:error` in brackets).
  errorOrigin: 'This builder is not allowed on this page ({origin}): its site must mint widget tokens for this page’s address and add it to its allowed origins.', // ORIGIN_NOT_ALLOWED
  errorTokenExpired: 'Your access to the builder has expired. Reload the page to continue.', // TOKEN_EXPIRED
  errorQuota: 'The build limit is reached: {message}', // QUOTA_EXCEEDED
  errorRateLimited: 'Too many requests right now. Try again in {seconds} s.', // RATE_LIMITED
  errorNetwork: 'Could not reach the builder’s server. Check your connection, then Retry.', // NETWORK
} as const;

export type WidgetStrings = { [K in keyof typeof DEFAULT_STRINGS]: string };

/** Fills `{name}` placeholders. Unknown names stay as they are, so a typo shows rather than vanishes. */
export function fill(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** The defaults with a host's overrides (non-string overrides are ignored). */
export function mergeStrings(overrides: Partial<Record<string, unknown>> | undefined): WidgetStrings {
  const merged: Record<string, string> = { ...DEFAULT_STRINGS };
  for (const [key, value] of Object.entries(overrides ?? {})) if (key in DEFAULT_STRINGS && typeof value === 'string') merged[key] = value;
  return merged as WidgetStrings;
}
