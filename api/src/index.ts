/**
 * @everjust/api's public entry: what the rest of the repository (tests, benchmarks, the SDK's schema
 * printer) builds on. The API process itself starts from `main.ts`, the operator CLI from `cli/index.ts`.
 */
export { createApp, type App, type AppDependencies } from './app.js';
export { listen, type RunningServer } from './server.js';
export { createApiKeyRecord, createTenant } from './services/tenants.js';
export { schema } from './schema/index.js';
export { signWidgetToken, widgetTokenKey, type WidgetTokenClaims } from './auth/widget-tokens.js';
export { streamSessionEvents } from './services/session-stream.js';
export { mintConsoleLink, type ConsoleLink } from './console/console-links.js';
