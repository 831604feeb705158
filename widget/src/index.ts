/**
 * `@everjust/widget`: the `<everjust-builder>` custom element. Importing this module (or loading the
 * script-tag bundle, `everjust-builder.global.js`) defines the element once; the class and the event
 * detail types are exported for hosts that want them.
 */
import { EverJustBuilder } from './builder.component.js';

export { EverJustBuilder } from './builder.component.js';
export type { DeployedDetail, ErrorDetail, GetToken, PreviewErrorDetail, ReadyDetail, SessionEndedDetail, SessionEventDetail, SessionStartedDetail, VersionRestoredDetail } from './builder.component.js';
export { DEFAULT_STRINGS, type WidgetStrings } from './strings.js';
export type { TokenResponse } from './token-source.js';
export type { WidgetSessionEvent } from './operations.js';

export const TAG_NAME = 'everjust-builder';

if (typeof customElements !== 'undefined' && !customElements.get(TAG_NAME)) customElements.define(TAG_NAME, EverJustBuilder);
