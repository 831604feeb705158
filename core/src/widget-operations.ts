/**
 * The `<everjust-builder>` widget's GraphQL operations: the only documents a widget token may run.
 * The widget sends an id (`extensions.persistedQuery.sha256Hash`, the SHA-256 of the document, hex);
 * the API looks the document up here and refuses any other from a widget token.
 *
 * Shared by the API (which registers the documents) and the widget (which ships only the ids). This
 * file has no imports, no Node APIs and no side effects: the widget bundles it for the browser, and
 * keeps only `WIDGET_OPERATION_IDS` (the documents are tree-shaken away).
 *
 * Changing a document changes its id: update the id beside it (`core/src/widget-operations.test.ts`
 * prints the right one). Keep old ids registered while widgets that send them are still deployed.
 */

export type WidgetOperationName = 'project' | 'sessions' | 'file' | 'session' | 'sessionPreview' | 'startSession' | 'cancelSession' | 'answerSession' | 'startPreview' | 'restoreSnapshot' | 'deployProject' | 'sessionEvents';

/** SHA-256 (hex) of each document in `WIDGET_DOCUMENTS`. */
export const WIDGET_OPERATION_IDS: Readonly<Record<WidgetOperationName, string>> = {
  project: 'e362fb3a001c5c1b7b0315e0fab06fdd5a4808f88de2673267957675e3d94f29',
  sessions: '1f1d137cef917fd51bfbe81e945e78dc7a8f485ebcd02510751448d84dede82f',
  file: '7cea95c4c4180c5e0dbcbe1d9064a7b7f5a9e4a52020a23cca5961a106f59e8e',
  session: '3d4ea5eb172006eb16e08831ac73ff28728c039120b2b95e8266e8926e796ce4',
  sessionPreview: 'd4bedf5de8b2b4cd90fd1f7dc47a13be7e1870a1565efb52e80611d30dec8dc1',
  startSession: 'c1be136730e147bb3859cf0eacdfa4e73854e939189e780c3d1079b102898474',
  cancelSession: '3845d89ffcb3610b06f6b8f3e3d80902c038e9b99c138335497da797f4a8b18d',
  answerSession: '8fe4db0e314f7c665462fed273d1f5e2b6dfc4d34082a007365e16e83287d140',
  startPreview: '538ed2171a4d0f331c008ae04e4f348cfb5a18677f9f2b952e6853667d8dc0e5',
  restoreSnapshot: '4cb64a213e7dc6409713f0a71254cd3da3db808f167fff877e0c7620c835c9a3',
  deployProject: '0e568003ee4c73dab5a4e04bd087d821b54c98c01b7b96d432d28441996856c5',
  sessionEvents: '3b7c8301716a1500c0f0e38ad9bf1259eedaaffea571f5a4e2569b2554123712',
};

/**
 * The documents, by name. Only the API reads these. Plain literals (no interpolation), so a bundler can
 * drop the whole object from the widget.
 */
export const WIDGET_DOCUMENTS: Readonly<Record<WidgetOperationName, string>> = {
  project: `query WidgetProject($projectId: ID!) {
  project(id: $projectId) {
    id
    name
    files { path size }
    sandbox { status previewUrl previewExpiresAt }
    deployment { id liveUrl }
    sessions(first: 10) {
      pageInfo { hasNextPage endCursor }
      edges { node { id kind status prompt reply lastSeq createdAt endedAt error { code message } attachments { mediaType } screenshotUrl } }
    }
  }
}`,
  sessions: `query WidgetSessions($projectId: ID!, $after: String) {
  project(id: $projectId) {
    id
    sessions(first: 10, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id kind status prompt reply lastSeq createdAt endedAt error { code message } attachments { mediaType } screenshotUrl } }
    }
  }
}`,
  file: `query WidgetFile($projectId: ID!, $path: String!) {
  project(id: $projectId) { id file(path: $path) { path size content } previousFile(path: $path) { content } }
}`,
  session: `query WidgetSession($sessionId: ID!) {
  session(id: $sessionId) { id kind status prompt lastSeq createdAt error { code message } }
}`,
  sessionPreview: `query WidgetSessionPreview($sessionId: ID!) {
  session(id: $sessionId) { id previewUrl }
}`,
  startSession: `mutation WidgetStartSession($input: StartSessionInput!) {
  startSession(input: $input) { id kind status prompt lastSeq createdAt error { code message } attachments { mediaType } }
}`,
  cancelSession: `mutation WidgetCancelSession($input: CancelSessionInput!) {
  cancelSession(input: $input) { id kind status prompt lastSeq createdAt error { code message } }
}`,
  answerSession: `mutation WidgetAnswerSession($input: AnswerSessionInput!) {
  answerSession(input: $input) { id kind status prompt lastSeq createdAt error { code message } }
}`,
  startPreview: `mutation WidgetStartPreview($input: StartPreviewInput!) {
  startPreview(input: $input) { id kind status prompt lastSeq createdAt error { code message } }
}`,
  restoreSnapshot: `mutation WidgetRestoreSnapshot($input: RestoreSnapshotInput!) {
  restoreSnapshot(input: $input) { id files { path size } sandbox { status previewUrl previewExpiresAt } }
}`,
  deployProject: `mutation WidgetDeployProject($projectId: ID!, $idempotencyKey: String) {
  deployProject(input: { projectId: $projectId, idempotencyKey: $idempotencyKey }) { id kind status prompt lastSeq createdAt error { code message } }
}`,
  sessionEvents: `subscription WidgetSessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
    seq
    type
    at
    ... on StatusEvent { status step statusMessage: message }
    ... on TextDeltaEvent { text }
    ... on FileWrittenEvent { path size }
    ... on FileDeletedEvent { path }
    ... on CommandStartedEvent { commandId command }
    ... on CommandOutputEvent { commandId stream text }
    ... on CommandFinishedEvent { commandId exitCode durationMs timedOut }
    ... on PreviewReadyEvent { url expiresAt }
    ... on PreviewFailedEvent { reason }
    ... on ErrorEvent { code message retryable }
    ... on QuestionEvent { question choices }
    ... on PreviewCheckedEvent { checkErrors: errors { message } screenshotUrl }
    ... on RepairStartedEvent { round repairErrors: errors { message } }
    ... on DeployStartedEvent { deploymentId }
    ... on DeployProgressEvent { deploymentId phase steps { name status } }
    ... on DeployReadyEvent { deploymentId url }
    ... on DeployFailedEvent { deploymentId phase log }
    ... on DoneEvent { status error { code message } }
  }
}`,
};

/**
 * Documents of earlier widget releases, still accepted under their ids (the SHA-256 of each) so that
 * widgets already deployed keep working: the API registers them beside `WIDGET_DOCUMENTS`. The widget
 * never sends these. Drop one once no deployed widget does.
 */
export const RETIRED_WIDGET_DOCUMENTS: readonly string[] = [
  // sessionEvents before the deploy events and the check's screenshot (6ec6c788818201262c272aa2f4ffaa6b92ab33724503d7d9d15ba122a09869bd).
  `subscription WidgetSessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
    seq
    type
    at
    ... on StatusEvent { status step statusMessage: message }
    ... on TextDeltaEvent { text }
    ... on FileWrittenEvent { path size }
    ... on FileDeletedEvent { path }
    ... on CommandStartedEvent { commandId command }
    ... on CommandOutputEvent { commandId stream text }
    ... on CommandFinishedEvent { commandId exitCode durationMs timedOut }
    ... on PreviewReadyEvent { url expiresAt }
    ... on PreviewFailedEvent { reason }
    ... on ErrorEvent { code message retryable }
    ... on QuestionEvent { question choices }
    ... on PreviewCheckedEvent { checkErrors: errors { message } }
    ... on RepairStartedEvent { round repairErrors: errors { message } }
    ... on DoneEvent { status error { code message } }
  }
}`,
  // project before version thumbnails (screenshotUrl) and the live deployment (0f287c36ee733536c3775500259c7b8b33ad99b31aadc80ff6378c9152953287).
  `query WidgetProject($projectId: ID!) {
  project(id: $projectId) {
    id
    name
    files { path size }
    sandbox { status previewUrl previewExpiresAt }
    sessions(first: 10) {
      pageInfo { hasNextPage endCursor }
      edges { node { id kind status prompt reply lastSeq createdAt endedAt error { code message } attachments { mediaType } } }
    }
  }
}`,
  // sessions before version thumbnails (screenshotUrl) (0158efe1468a7ee2e0f51120a17cdf077bfd9f5091627c69d90598adc699cdb5).
  `query WidgetSessions($projectId: ID!, $after: String) {
  project(id: $projectId) {
    id
    sessions(first: 10, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id kind status prompt reply lastSeq createdAt endedAt error { code message } attachments { mediaType } } }
    }
  }
}`,
  // file before the previous version (previousFile, for the diff) (401ad63052318e94d0b18581b7a131d9bf4e143be5ac957cea36b1c5fb27b2ec).
  `query WidgetFile($projectId: ID!, $path: String!) {
  project(id: $projectId) { id file(path: $path) { path size content } }
}`,
  // sessionEvents before the preview check and repair events (5df0ec2a738c95b78aa34cfaf5c05f93e8731f23747ee3ea17b787866f3c3861).
  `subscription WidgetSessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
    seq
    type
    at
    ... on StatusEvent { status step statusMessage: message }
    ... on TextDeltaEvent { text }
    ... on FileWrittenEvent { path size }
    ... on FileDeletedEvent { path }
    ... on CommandStartedEvent { commandId command }
    ... on CommandOutputEvent { commandId stream text }
    ... on CommandFinishedEvent { commandId exitCode durationMs timedOut }
    ... on PreviewReadyEvent { url expiresAt }
    ... on PreviewFailedEvent { reason }
    ... on ErrorEvent { code message retryable }
    ... on QuestionEvent { question choices }
    ... on DoneEvent { status error { code message } }
  }
}`,
  // project before the conversation history (ea9718b413043614cea27dfa6f72e884135a0244639dd20211a5fbe7466ecab3).
  `query WidgetProject($projectId: ID!) {
  project(id: $projectId) {
    id
    name
    files { path size }
    sandbox { status previewUrl previewExpiresAt }
    sessions(first: 1) { edges { node { id kind status prompt lastSeq createdAt error { code message } } } }
  }
}`,
  // startSession before attachments were read back (f8fff8b74064259e7008e3d15116fcbe41bf954e4007db3d815d2638937c63b5).
  `mutation WidgetStartSession($input: StartSessionInput!) {
  startSession(input: $input) { id kind status prompt lastSeq createdAt error { code message } }
}`,
  // sessionEvents before the `question` event (71da9f4d23506838550646edb43274df882c32c09fb9cf8a908b82da40949898).
  `subscription WidgetSessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
    seq
    type
    at
    ... on StatusEvent { status step statusMessage: message }
    ... on TextDeltaEvent { text }
    ... on FileWrittenEvent { path size }
    ... on FileDeletedEvent { path }
    ... on CommandStartedEvent { commandId command }
    ... on CommandOutputEvent { commandId stream text }
    ... on CommandFinishedEvent { commandId exitCode durationMs timedOut }
    ... on PreviewReadyEvent { url expiresAt }
    ... on PreviewFailedEvent { reason }
    ... on ErrorEvent { code message retryable }
    ... on DoneEvent { status error { code message } }
  }
}`,
];
